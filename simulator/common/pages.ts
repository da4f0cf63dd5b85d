// Partner deployments put an Nginx gateway in front of vendor servers, so gateway-level failures
// (401 from Basic auth, 429 from rate limiting, 502-504) come back as Nginx's HTML pages rather than
// the vendor's JSON. Clients must cope with a non-JSON error body, so the simulator reproduces it.

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Authorization Required',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export function nginxErrorPage(status: number): string {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
  );
}

export const HTML_CONTENT_TYPE = 'text/html';
