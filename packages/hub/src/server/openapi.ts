/**
 * Builds the OpenAPI 3.1 description served at `/api/openapi.json` from the route table itself,
 * so the description cannot drift from what the server answers.
 */
import { VERSION } from '../version.js';
import type { RouteDef, Schema } from './http.js';

const errorSchema: Schema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'machine-readable code' },
    message: { type: 'string' },
  },
  additionalProperties: true,
};

const ERRORS: Record<string, string> = {
  '400': 'malformed request (bad JSON, path, name, sha256...)',
  '401': 'missing, wrong or revoked token',
  '403': 'visible but not allowed (role or token scope)',
  '404': 'not found, or private and not visible to the caller',
  '409': 'conflict: stale parent commit, existing tag, busy upload, offset mismatch',
  '413': 'body or file too large',
  '422': 'content does not match its sha256/size, or an invalid safetensors header, card or config',
};

/** The OpenAPI document for a route table. */
export function buildOpenApi(routes: RouteDef<any>[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/\{(\w+)\*\}/g, '{$1}');
    const params = [...r.path.matchAll(/\{(\w+)(\*?)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
      ...(m[2] ? { description: 'may contain slashes', 'x-multi-segment': true } : {}),
    }));
    for (const [name, description] of Object.entries(r.query ?? {}))
      params.push({ name, in: 'query', required: false, schema: { type: 'string' }, description } as never);
    const status = String(r.response?.status ?? 200);
    const schema = r.response?.schema;
    const responses: Record<string, unknown> = {
      [status]: {
        description: r.response?.description ?? 'success',
        ...(schema === 'binary'
          ? { content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }
          : schema === 'html'
            ? { content: { 'text/html': { schema: { type: 'string' } } } }
            : { content: { 'application/json': { schema: schema ?? { type: 'object' } } } }),
      },
    };
    for (const [code, description] of Object.entries(ERRORS))
      responses[code] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: params,
      responses,
      security: r.auth === 'required' ? [{ bearer: [] }] : r.auth === 'optional' ? [{}, { bearer: [] }] : [],
    };
    if (r.body)
      op.requestBody = {
        required: true,
        content:
          r.body === 'binary'
            ? { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } }
            : { [r.bodyType ?? 'application/json']: { schema: r.body } },
      };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = op;
    if (r.head)
      paths[path].head = {
        ...op,
        operationId: `head${(op.operationId as string).slice(3)}`,
        requestBody: undefined,
      };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kindling Hub API',
      version: VERSION,
      description:
        'Share Kindling model repos: content-addressed files, immutable commits, branches and tags, Hugging Face-compatible download URLs.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'a token from POST /api/tokens' },
      },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}
