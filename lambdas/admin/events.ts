/**
 * Domain events content workflows POST to `/admin/invalidate`, and what each one invalidates.
 *
 * Targets are stated as paths on a surface (the same path a reader requests under
 * `/c/{surface}/...`); the invalidation manager turns them into cache keys and generation keys:
 * - `keys`: exact entries (the default variant of that path) to delete, for single-variant documents
 *   such as feeds and sitemaps;
 * - `resources`: every variant of a path, invalidated in O(1) by bumping its resource generation;
 * - `surfaces`: a whole surface, invalidated in O(1) by bumping its surface generation.
 */

/** A value that must be a lowercase slug (`[a-z0-9-]`), as content systems put in URLs. */
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$/;
/** An opaque identifier: letters, digits, `_`, `-`, `.`. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export type FieldKind = 'slug' | 'identifier';

export interface FieldSpec {
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly description: string;
}

export interface PathRef {
  readonly surface: string;
  /** Path below the surface, without a leading slash, as in `/c/{surface}/{path}`. */
  readonly path: string;
}

export interface InvalidationTargets {
  readonly keys: readonly PathRef[];
  readonly resources: readonly PathRef[];
  readonly surfaces: readonly string[];
}

type RequiredFields<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
type OptionalFields<F> = Exclude<keyof F, RequiredFields<F>>;

/** The validated data of an event, typed from its field specs. */
export type EventData<F extends Record<string, FieldSpec>> = { readonly [K in RequiredFields<F>]: string } & {
  readonly [K in OptionalFields<F>]?: string;
};

export interface EventDefinition<F extends Record<string, FieldSpec> = Record<string, FieldSpec>> {
  readonly description: string;
  readonly fields: F;
  readonly targets: (data: EventData<F>) => InvalidationTargets;
}

/** Keeps each entry's field types so `targets` sees its own data shape. */
function defineEvent<const F extends Record<string, FieldSpec>>(definition: EventDefinition<F>): EventDefinition<F> {
  return definition;
}

const articleFields = {
  slug: { kind: 'slug', required: true, description: 'URL slug of the article, e.g. "launch-notes"' },
  category: { kind: 'slug', required: false, description: 'category slug; its listing page is invalidated too' },
} as const satisfies Record<string, FieldSpec>;

/** The listing page of one category. */
function categoryListing(category: string | undefined): PathRef[] {
  return category ? [{ surface: 'marketing', path: `blog/category/${category}` }] : [];
}

/** Listings that show every article, plus the category's own listing. */
function articleListings(category: string | undefined): PathRef[] {
  return [{ surface: 'marketing', path: 'blog' }, { surface: 'api', path: 'articles' }, ...categoryListing(category)];
}

const FEEDS: readonly PathRef[] = [
  { surface: 'marketing', path: 'feed.xml' },
  { surface: 'marketing', path: 'sitemap.xml' },
];

function articlePages(slug: string): PathRef[] {
  return [
    { surface: 'marketing', path: `blog/${slug}` },
    { surface: 'api', path: `articles/${slug}` },
  ];
}

export const DOMAIN_EVENTS = {
  'article.published': defineEvent({
    description: 'A new article went live: its page, the listings and the feeds change.',
    fields: articleFields,
    targets: (data) => ({
      keys: FEEDS,
      resources: [...articlePages(data.slug), ...articleListings(data.category)],
      surfaces: [],
    }),
  }),
  'article.updated': defineEvent({
    description: 'An article was edited: its page and the feed change; listings keep their titles.',
    fields: articleFields,
    targets: (data) => ({
      keys: [{ surface: 'marketing', path: 'feed.xml' }],
      resources: [...articlePages(data.slug), ...categoryListing(data.category)],
      surfaces: [],
    }),
  }),
  'article.deleted': defineEvent({
    description: 'An article was removed: its page must stop being served, and listings and feeds change.',
    fields: articleFields,
    targets: (data) => ({
      keys: FEEDS,
      resources: [...articlePages(data.slug), ...articleListings(data.category)],
      surfaces: [],
    }),
  }),
  'campaign.launched': defineEvent({
    description: 'A campaign changes banners across every marketing page: the whole surface is invalidated.',
    fields: {
      campaignId: { kind: 'identifier', required: false, description: 'campaign identifier, recorded in the log' },
    },
    targets: () => ({ keys: [], resources: [], surfaces: ['marketing'] }),
  }),
  'pricing.changed': defineEvent({
    description: 'Prices changed: the pricing pages and the plans API change.',
    fields: {
      plan: { kind: 'slug', required: false, description: 'plan slug; its page is invalidated too' },
    },
    targets: (data) => ({
      keys: [],
      resources: [
        { surface: 'marketing', path: 'pricing' },
        { surface: 'api', path: 'plans' },
        ...(data.plan ? [{ surface: 'marketing', path: `pricing/${data.plan}` }, { surface: 'api', path: `plans/${data.plan}` }] : []),
      ],
      surfaces: [],
    }),
  }),
} as const;

export type DomainEventName = keyof typeof DOMAIN_EVENTS;
export const DOMAIN_EVENT_NAMES: readonly DomainEventName[] = Object.freeze(Object.keys(DOMAIN_EVENTS) as DomainEventName[]);

/** The event name is not in the table (HTTP 422). */
export class UnknownEventError extends Error {
  constructor(readonly event: string) {
    super(`unknown event "${event}": expected one of ${DOMAIN_EVENT_NAMES.join(', ')}`);
    this.name = 'UnknownEventError';
  }
}

/** The event's data does not match its fields (HTTP 400). */
export class EventDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventDataError';
  }
}

function isDomainEvent(name: string): name is DomainEventName {
  return Object.prototype.hasOwnProperty.call(DOMAIN_EVENTS, name);
}

function checkField(event: string, field: string, spec: FieldSpec, value: unknown): string {
  if (typeof value !== 'string') {
    throw new EventDataError(`${event}: data.${field} must be a string (${spec.description}), got ${JSON.stringify(value)}`);
  }
  const pattern = spec.kind === 'slug' ? SLUG : IDENTIFIER;
  if (!pattern.test(value)) {
    const expected = spec.kind === 'slug' ? 'a lowercase slug [a-z0-9-], at most 128 characters' : 'an identifier [A-Za-z0-9_.-], at most 128 characters';
    throw new EventDataError(`${event}: data.${field} must be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export interface ResolvedEvent {
  readonly event: DomainEventName;
  readonly data: Readonly<Record<string, string>>;
  readonly targets: InvalidationTargets;
}

/**
 * Validates an event name and its data and returns what it invalidates.
 * Throws `UnknownEventError` for a name not in the table, `EventDataError` for bad data
 * (not an object, a missing required field, an unknown field or a malformed value).
 */
export function resolveEvent(event: string, data: unknown): ResolvedEvent {
  if (!isDomainEvent(event)) throw new UnknownEventError(event);
  const definition = DOMAIN_EVENTS[event] as EventDefinition;
  const raw = data ?? {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new EventDataError(`${event}: data must be an object, got ${JSON.stringify(data)}`);
  }
  const input = raw as Record<string, unknown>;
  const unknownFields = Object.keys(input).filter((field) => !Object.prototype.hasOwnProperty.call(definition.fields, field));
  if (unknownFields.length > 0) {
    const allowed = Object.keys(definition.fields);
    throw new EventDataError(
      `${event}: unknown data field(s) ${unknownFields.join(', ')}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
    );
  }
  const validated: Record<string, string> = {};
  for (const [field, spec] of Object.entries(definition.fields)) {
    const value = input[field];
    if (value === undefined || value === null) {
      if (spec.required) throw new EventDataError(`${event}: data.${field} is required (${spec.description})`);
      continue;
    }
    validated[field] = checkField(event, field, spec, value);
  }
  return { event, data: validated, targets: definition.targets(validated as EventData<Record<string, FieldSpec>>) };
}
