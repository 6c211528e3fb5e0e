// The service's endpoints. Errors come back as ApiError carrying the service's {code, message,
// span, suggestions}, so the editor can underline the span.

// The app's root: this module is <root>/js/api.js. Behind a reverse proxy the root is a path
// prefix (`serve --root-path /explorer`, docs/hosting.md), so no URL may start at the host's `/`.
// Worked out at the first request: bundled into a notebook's output (an iframe's srcdoc, whose
// import.meta.url is about:srcdoc) this module is loaded but never asked for a URL.

/** The URL of an endpoint of this app: apiUrl('/api/graph') -> <root>/api/graph. */
export function apiUrl(path) {
  return new URL(path.replace(/^\/+/, ''), new URL('../', import.meta.url)).href;
}

export class ApiError extends Error {
  constructor(error, status) {
    super(error?.message ?? `request failed (${status})`);
    this.code = error?.code ?? 'http';
    this.span = error?.span ?? null;
    this.suggestions = error?.suggestions ?? [];
    this.status = status;
  }
}

async function request(method, path, body, signal) {
  let res;
  try {
    res = await fetch(apiUrl(path), {
      method,
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal,
    });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError({ code: 'network', message: 'the server did not answer; is it running?' }, 0);
  }
  let data = null;
  try {
    data = await res.json();
  } catch (err) {
    if (err.name === 'AbortError') throw err; // aborted while the body arrived: not an answer
    data = null;
  }
  if (!res.ok) {
    const detail = data?.error ?? (typeof data?.detail === 'string' ? { message: data.detail } : null);
    throw new ApiError(detail, res.status);
  }
  return data;
}

export const api = {
  graph: (body, signal) => request('POST', '/api/graph', body, signal),
  // the live check while typing: 200 with {ok, error, parse} even when the text has an error, so
  // the console stays clean (a 4xx answer to fetch() is logged as an error by the browser)
  diagnose: (body, signal) => request('POST', '/api/diagnose', body, signal),
  examples: () => request('GET', '/api/examples'),
  ops: () => request('GET', '/api/ops'),
  lessons: () => request('GET', '/api/lessons'),
  // gradient descent on the graph (static/js/learn.js)
  train: (body, signal) => request('POST', '/api/train', body, signal),
};

