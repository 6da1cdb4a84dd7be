/** The metrics' shape where alerts and dashboards depend on it. */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { createMetrics, DURATION_BUCKETS } from '../src/server/metrics.js';

const values = parse(readFileSync(new URL('../charts/jobguard/values.yaml', import.meta.url), 'utf8')) as {
  webhook: { timeoutSeconds: number };
  metrics: { prometheusRule: { latencyP99Seconds: number } };
};

describe('jobguard_admission_duration_seconds', () => {
  it('has buckets above the p99 alert threshold, the webhook timeout and the API server default (10 s)', async () => {
    // histogram_quantile never reports more than the top finite bucket: with none above the
    // threshold the chart's JobguardAdmissionLatencyHigh alert could never fire.
    const threshold = values.metrics.prometheusRule.latencyP99Seconds;
    const finite = DURATION_BUCKETS.filter((le) => le > threshold);
    expect(finite.length).toBeGreaterThanOrEqual(3);
    expect(DURATION_BUCKETS).toContain(values.webhook.timeoutSeconds);
    expect(DURATION_BUCKETS).toContain(10);
    expect(Math.max(...DURATION_BUCKETS)).toBeGreaterThan(10);

    const metrics = createMetrics({ processMetrics: false });
    metrics.duration.observe({ kind: 'Job' }, 4);
    const text = await metrics.registry.getSingleMetricAsString('jobguard_admission_duration_seconds');
    expect(text).toContain('jobguard_admission_duration_seconds_bucket{le="3",kind="Job"} 0');
    expect(text).toContain('jobguard_admission_duration_seconds_bucket{le="5",kind="Job"} 1');
    expect(text).toContain('jobguard_admission_duration_seconds_bucket{le="30",kind="Job"} 1');
  });
});
