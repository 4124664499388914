/**
 * Physical names of an environment's resources: `<namePrefix>-<env>` (e.g. `clarivum-prod`)
 * starts every one, so the stacks that create them and the dashboards and scrape configs that
 * find them agree.
 */
export interface PhysicalNames {
  /** `<namePrefix>-<env>`. */
  readonly prefix: string;
  /** `<namePrefix>-<env>-<function>`. */
  functionName(fn: string): string;
}

export function physicalNames(namePrefix: string, environment: string): PhysicalNames {
  const prefix = `${namePrefix}-${environment}`;
  return { prefix, functionName: (fn) => `${prefix}-${fn}` };
}
