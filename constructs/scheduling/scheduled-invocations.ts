import { SchedulerSchedule } from '@cdktn/provider-aws/lib/scheduler-schedule';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue';
import { Token } from 'cdktn';
import { Construct } from 'constructs';
import { ServiceRole } from '../iam/service-role';
import type { BundledFunction } from '../lambda/bundled-function';

export interface ScheduledInvocationsProps {
  /** Prefix of the role, queue and schedule names, e.g. `clarivum-prod`. */
  readonly namePrefix: string;
  /** Account whose schedules may assume the role (confused-deputy guard). */
  readonly accountId: string;
  /** Retries of a failed invocation (0 to 185) before it goes to the dead-letter queue. */
  readonly maximumRetryAttempts: number;
  /** How long an invocation may be retried, in seconds (60 to 86400). */
  readonly maximumEventAgeSeconds: number;
  /** How long the dead-letter queue keeps a failed invocation, in seconds. @default 1209600 (14 days) */
  readonly deadLetterRetentionSeconds?: number;
}

export interface ScheduleOptions {
  /** EventBridge Scheduler expression: `cron(...)`, `rate(...)` or `at(...)`. */
  readonly scheduleExpression: string;
  /** JSON passed to the function as its event. @default '{}' */
  readonly input?: Readonly<Record<string, unknown>>;
  /** @default - none */
  readonly description?: string;
}

/**
 * EventBridge Scheduler schedules that invoke Lambda functions, sharing one execution role (allowed
 * to invoke only the scheduled functions and to write to the dead-letter queue) and one encrypted
 * SQS dead-letter queue for invocations that still fail after the retries.
 */
export class ScheduledInvocations extends Construct {
  readonly role: ServiceRole;
  readonly deadLetterQueue: SqsQueue;
  readonly schedules: Record<string, SchedulerSchedule> = {};
  private readonly props: ScheduledInvocationsProps;

  constructor(scope: Construct, id: string, props: ScheduledInvocationsProps) {
    super(scope, id);
    const { maximumRetryAttempts: retries, maximumEventAgeSeconds: age } = props;
    if (!(Number.isInteger(retries) && retries >= 0 && retries <= 185)) {
      throw new Error(`ScheduledInvocations maximumRetryAttempts must be an integer from 0 to 185, got ${retries}`);
    }
    if (!(Number.isInteger(age) && age >= 60 && age <= 86_400)) {
      throw new Error(`ScheduledInvocations maximumEventAgeSeconds must be an integer from 60 to 86400, got ${age}`);
    }
    const retention = props.deadLetterRetentionSeconds ?? 1_209_600;
    if (!(Number.isInteger(retention) && retention >= 60 && retention <= 1_209_600)) {
      throw new Error(`ScheduledInvocations deadLetterRetentionSeconds must be an integer from 60 to 1209600, got ${retention}`);
    }
    this.props = props;
    this.deadLetterQueue = new SqsQueue(this, 'dead-letters', {
      name: `${props.namePrefix}-schedule-dead-letters`,
      messageRetentionSeconds: retention,
      sqsManagedSseEnabled: true,
    });
    this.role = new ServiceRole(this, 'role', {
      roleName: `${props.namePrefix}-scheduler`,
      servicePrincipal: 'scheduler.amazonaws.com',
      description: 'Invokes the scheduled jobs and parks failed invocations in the dead-letter queue',
      sourceAccount: props.accountId,
    });
    this.role.addPolicy('dead-letters', [{ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.arn] }]);
  }

  /** Invokes `fn` on a schedule (UTC, no flexible window) with retries and the dead-letter queue. */
  addSchedule(id: string, fn: BundledFunction, options: ScheduleOptions): SchedulerSchedule {
    if (!/^[a-z0-9-]{1,32}$/.test(id)) throw new Error(`schedule id "${id}" must be 1 to 32 characters of [a-z0-9-]`);
    if (this.schedules[id]) throw new Error(`schedule "${id}" is already defined`);
    const expr = options.scheduleExpression;
    if (!Token.isUnresolved(expr) && !/^(cron\(.+\)|rate\(\d+ [a-z]+\)|at\(.+\))$/.test(expr)) {
      throw new Error(`schedule "${id}" expression "${expr}" must be cron(...), rate(...) or at(...)`);
    }
    fn.grantInvoke(this.role);
    const schedule = new SchedulerSchedule(this, `schedule-${id}`, {
      name: `${this.props.namePrefix}-${id}`,
      description: options.description,
      scheduleExpression: expr,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: fn.functionArn,
        roleArn: this.role.roleArn,
        input: JSON.stringify(options.input ?? {}),
        retryPolicy: {
          maximumRetryAttempts: this.props.maximumRetryAttempts,
          maximumEventAgeInSeconds: this.props.maximumEventAgeSeconds,
        },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
    });
    this.schedules[id] = schedule;
    return schedule;
  }
}
