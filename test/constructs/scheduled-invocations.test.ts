import { SchedulerSchedule } from '@cdktn/provider-aws/lib/scheduler-schedule';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue';
import { BundledFunction } from '../../constructs/lambda/bundled-function';
import { ScheduledInvocations, type ScheduledInvocationsProps } from '../../constructs/scheduling/scheduled-invocations';
import { awsTestStack, inlinePolicies, inventory, leastPrivilegeViolations, ref, synth } from '../support/cdk-test-kit';

function make(props: Partial<ScheduledInvocationsProps> = {}) {
  const { stack } = awsTestStack();
  const jobs = new ScheduledInvocations(stack, 'jobs', {
    namePrefix: 'clarivum-test', accountId: '111111111111', maximumRetryAttempts: 3, maximumEventAgeSeconds: 3600, ...props,
  });
  const fn = new BundledFunction(stack, 'warmup', { entry: 'test/constructs/fixtures/echo-handler.ts', functionName: 'clarivum-test-warmup' });
  return { stack, jobs, fn };
}

describe('ScheduledInvocations', () => {
  it('creates an encrypted dead-letter queue and a scheduler role that may write to it', () => {
    const { stack, jobs } = make();
    const s = synth(stack);
    expect(inventory(s).filter((l) => !/lambda|log_group/.test(l))).toEqual([
      'aws_iam_role x2', // scheduler role, function role
      'aws_iam_role_policy x3', // dead letters, function logs, function X-Ray
      'aws_sqs_queue x1', // invocations that failed every retry
    ]);
    expect(s.text).toHaveResourceWithProperties(SqsQueue, {
      name: 'clarivum-test-schedule-dead-letters', sqs_managed_sse_enabled: true, message_retention_seconds: 1_209_600,
    });
    expect(inlinePolicies(s).find((p) => p.name === 'dead-letters')!.statements).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: ref(jobs.deadLetterQueue, 'arn') },
    ]);
  });

  it('schedules a function with retries and the dead-letter queue; the role may invoke only that function', () => {
    const { stack, jobs, fn } = make();
    jobs.addSchedule('warmup', fn, { scheduleExpression: 'cron(0 6 ? * MON *)', input: { reason: 'schedule' } });
    const s = synth(stack);
    expect(s.text).toHaveResourceWithProperties(SchedulerSchedule, {
      name: 'clarivum-test-warmup',
      schedule_expression: 'cron(0 6 ? * MON *)',
      schedule_expression_timezone: 'UTC',
      flexible_time_window: { mode: 'OFF' },
      target: {
        arn: ref(fn.function, 'arn'),
        role_arn: ref(jobs.role.role, 'arn'),
        input: '{"reason":"schedule"}',
        retry_policy: { maximum_retry_attempts: 3, maximum_event_age_in_seconds: 3600 },
        dead_letter_config: { arn: ref(jobs.deadLetterQueue, 'arn') },
      },
    });
    const scheduler = inlinePolicies(s).filter((p) => p.role === ref(jobs.role.role, 'name'));
    expect(scheduler.map((p) => p.name).sort()).toEqual(['dead-letters', 'invoke-warmup']);
    expect(scheduler.find((p) => p.name === 'invoke-warmup')!.statements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [ref(fn.function, 'arn'), `${ref(fn.function, 'arn')}:*`] },
    ]);
    expect(leastPrivilegeViolations(inlinePolicies(s))).toEqual([]);
    const role = Object.values(s.json.resource!.aws_iam_role).find((r) => r.name === 'clarivum-test-scheduler')!;
    expect(JSON.parse(role.assume_role_policy as string).Statement[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    });
  });

  it.each<[string, Partial<ScheduledInvocationsProps>, RegExp]>([
    ['retry attempts', { maximumRetryAttempts: 186 }, /maximumRetryAttempts must be an integer from 0 to 185, got 186/],
    ['event age', { maximumEventAgeSeconds: 59 }, /maximumEventAgeSeconds must be an integer from 60 to 86400, got 59/],
    ['dead-letter retention', { deadLetterRetentionSeconds: 2_000_000 }, /deadLetterRetentionSeconds must be an integer from 60 to 1209600, got 2000000/],
  ])('rejects a bad %s', (_what, props, message) => {
    expect(() => make(props)).toThrow(message);
  });

  it('rejects a bad schedule id, a duplicate and an expression the scheduler does not accept', () => {
    const { jobs, fn } = make();
    expect(() => jobs.addSchedule('Warm Up', fn, { scheduleExpression: 'rate(1 day)' })).toThrow(/schedule id "Warm Up" must be 1 to 32 characters/);
    jobs.addSchedule('warmup', fn, { scheduleExpression: 'rate(1 day)' });
    expect(() => jobs.addSchedule('warmup', fn, { scheduleExpression: 'rate(1 day)' })).toThrow(/schedule "warmup" is already defined/);
    expect(() => jobs.addSchedule('audit', fn, { scheduleExpression: 'daily' })).toThrow(/schedule "audit" expression "daily" must be cron/);
  });
});
