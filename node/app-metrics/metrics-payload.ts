import { z } from 'zod';

/** Short free text as the app sends it (versions, enums); bounded so one payload cannot bloat a counter key. */
const text = z.string().max(64);
/** Values the app sends as strings or numbers or booleans (the reference stores them as given). */
const scalar = z.union([z.string().max(64), z.number().finite(), z.boolean()]);

/** One event of a COVID Alert metrics upload (the reference's `payload[]` entries). */
const metricEvent = z
  .object({
    identifier: z.string().min(1).max(64),
    region: z.string().max(16).optional(),
    timestamp: z.number().int().positive(),
    count: scalar.optional(),
    durationInSeconds: scalar.optional(),
    pushnotification: scalar.optional(),
    frameworkenabled: scalar.optional(),
    state: scalar.optional(),
    hoursSinceExposureDetectedAt: scalar.optional(),
    withDate: scalar.optional(),
    isUserExposed: scalar.optional(),
  })
  .strict();

/**
 * The body of `POST /save-metrics` as COVID Alert apps send it: app and OS versions once, then the events.
 * Unknown fields are refused (a new app field is a deliberate schema change here, not silently stored).
 */
export const metricsUpload = z
  .object({
    metricstimestamp: z.number().int().positive().optional(),
    appversion: text.min(1),
    appos: z.enum(['ios', 'android']),
    osversion: text.optional(),
    manufacturer: text.optional(),
    model: text.optional(),
    androidreleaseversion: text.optional(),
    payload: z.array(metricEvent).min(1).max(200),
  })
  .strict();

export type MetricsUpload = z.infer<typeof metricsUpload>;
export type MetricEvent = MetricsUpload['payload'][number];
