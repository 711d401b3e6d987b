// fetch() wrapper for the REST API: JSON in, JSON out, API errors as ApiError with the server's message.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: { accept: 'application/json' } };
  // Fastify refuses a JSON content-type with an empty body, so only bodies get one.
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', `${method} ${path}: server unreachable (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const code = data?.error ?? res.statusText;
    const message = data?.message ?? text ?? res.statusText;
    throw new ApiError(res.status, code, `${method} ${path} → ${res.status} ${code}: ${message}`);
  }
  return data;
}
