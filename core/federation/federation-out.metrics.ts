import type { Logger } from '../logging/logger';
import type { Metrics } from '../metrics/metrics';
import { scrapeLoad } from '../metrics/scrape-load';
import { certificateExpiry } from '../tls/certificate-expiry';

/** `enfed_tls_server_certificate_expiry_timestamp_seconds`: when federation-out's certificate (TLS_CERT_PATH) expires. */
export function declareServerCertificateGauge(metrics: Metrics, certPath: string, logger: Logger): void {
  const expiry = scrapeLoad('server certificate', logger, () => certificateExpiry(certPath));
  metrics.gauge(
    'enfed_tls_server_certificate_expiry_timestamp_seconds',
    "When federation-out's server certificate (TLS_CERT_PATH) stops being valid.",
    [],
    async (gauge) => {
      const at = await expiry();
      gauge.reset();
      if (at !== undefined) gauge.set(at);
    },
  );
}
