/**
 * The `kindling-hub` command line: `serve` runs a hub; the other commands drive a hub through
 * {@link HubClient}. Settings come from flags, then the environment (`KINDLING_HUB_ENDPOINT`,
 * `KINDLING_HUB_TOKEN`, `KINDLING_HUB_CACHE`, `KINDLING_HUB_OFFLINE=1`), then the file written by
 * `login` (`$KINDLING_HUB_CONFIG`, default `~/.config/kindling-hub/config.json`, mode 0600).
 */
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HubClient } from '../client/client.js';
import { HubError } from '../errors.js';
import { isRole, type Role } from '../model/types.js';
import { bootstrapAdmin, createHubServer, openHubStores, openScaleOutStores } from '../server/server.js';
import type { BlobStore } from '../storage/blob.js';
import type { MetadataStore } from '../storage/metadata.js';
import { VERSION } from '../version.js';

/** Where the CLI writes and what it reads (injectable for tests). */
export interface CliIO {
  /** Normal output. */
  stdout: (text: string) => void;
  /** Diagnostics. */
  stderr: (text: string) => void;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Stops `serve` when aborted (the real binary wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

/** The usage text. */
export const USAGE = `kindling-hub ${VERSION}: share Kindling model repos

Usage: kindling-hub <command> [options]

Server
  serve [--data DIR] [--port 8080] [--host 127.0.0.1] [--admin-token T]
                                   run a hub (SQLite + blob folder in DIR, default ./hub-data);
                                   prints the admin token on first start
  serve --postgres URL --s3-endpoint URL --s3-bucket B [--s3-prefix P] [--s3-region R]
        [--pg-schema S]            scale-out: metadata in PostgreSQL, blobs in S3 (keys from
                                   KINDLING_HUB_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY); run as
                                   many processes as you like on the same database and bucket
Account
  login --token T [--endpoint URL] check and save credentials
  logout                           forget saved credentials
  whoami                           show the current user
  token create --name N [--scope read|write|admin]
  token list | token revoke <id>
  user create <name> [--admin]     (site admins) create a user, print its token
  org create <org>                 create an organisation
  org member <org> <user> <read|write|admin|none>
  team create <org> <team> | team add <org> <team> <user>
  team grant <org> <team> <repo> <read|write|admin|none>
Repos
  repo create <owner/name> [--private]
  repo info <owner/name> [--revision R]
  repo list [--author A]
  push <dir> <owner/name> [--branch main] [-m MSG] [--replace]
                                   upload a folder as one commit (dot-files skipped;
                                   --replace also deletes files missing from DIR)
  pull <owner/name> [--revision R] [--dir OUT]
                                   download a revision into the cache (and copy it to OUT)
  ls <owner/name> [--revision R]   list files
  log <owner/name> [--revision R] [--limit N]
  tag <owner/name> <tag> [--revision R] [-m MSG]

Global options: --endpoint URL, --token T, --cache DIR, --offline, --json, --help
`;

const OPTIONS = {
  endpoint: { type: 'string' },
  token: { type: 'string' },
  cache: { type: 'string' },
  offline: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  data: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'admin-token': { type: 'string' },
  postgres: { type: 'string' },
  'pg-schema': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-prefix': { type: 'string' },
  's3-region': { type: 'string' },
  private: { type: 'boolean' },
  revision: { type: 'string', short: 'r' },
  branch: { type: 'string', short: 'b' },
  message: { type: 'string', short: 'm' },
  replace: { type: 'boolean' },
  dir: { type: 'string' },
  limit: { type: 'string' },
  name: { type: 'string' },
  scope: { type: 'string' },
  author: { type: 'string' },
  admin: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

interface Config {
  endpoint?: string;
  token?: string;
}

function configPath(env: CliIO['env']): string {
  return env.KINDLING_HUB_CONFIG ?? join(homedir(), '.config', 'kindling-hub', 'config.json');
}

function readConfig(env: CliIO['env']): Config {
  try {
    return JSON.parse(readFileSync(configPath(env), 'utf8')) as Config;
  } catch {
    return {};
  }
}

function need(pos: string[], n: number, usage: string): string[] {
  if (pos.length !== n) throw new UsageError(`usage: kindling-hub ${usage}`);
  return pos;
}

function roleOrNone(s: string): Role | null {
  if (s === 'none') return null;
  if (!isRole(s)) throw new UsageError(`expected read, write, admin or none, got '${s}'`);
  return s;
}

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    io.stdout(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  const out = (human: string, data: unknown) =>
    io.stdout(values.json ? `${JSON.stringify(data, null, 2)}\n` : `${human}\n`);
  try {
    if (cmd === 'serve') return await serve(values, io);
    const cfg = readConfig(io.env);
    const endpoint =
      values.endpoint ?? io.env.KINDLING_HUB_ENDPOINT ?? cfg.endpoint ?? 'http://127.0.0.1:8080';
    const token = values.token ?? io.env.KINDLING_HUB_TOKEN ?? cfg.token;
    const client = new HubClient({
      endpoint,
      token,
      cacheDir: values.cache ?? io.env.KINDLING_HUB_CACHE,
      offline: values.offline ?? io.env.KINDLING_HUB_OFFLINE === '1',
    });
    switch (cmd) {
      case 'login': {
        if (!values.token) throw new UsageError('usage: kindling-hub login --token T [--endpoint URL]');
        const me = await client.whoami();
        const file = configPath(io.env);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify({ endpoint, token: values.token }, null, 2), { mode: 0o600 });
        chmodSync(file, 0o600);
        out(`logged in to ${endpoint} as ${me.name} (saved to ${file})`, {
          endpoint,
          name: me.name,
          config: file,
        });
        return 0;
      }
      case 'logout':
        rmSync(configPath(io.env), { force: true });
        out('logged out', { ok: true });
        return 0;
      case 'whoami': {
        const me = await client.whoami();
        const orgs = me.orgs.map((o) => `${o.name} (${o.roleInOrg})`).join(', ');
        out(`${me.name}${me.isAdmin ? ' [site admin]' : ''}${orgs ? `\norgs: ${orgs}` : ''}`, me);
        return 0;
      }
      case 'token': {
        const [sub, ...args] = rest;
        if (sub === 'create') {
          need(args, 0, 'token create --name N [--scope read|write|admin]');
          const scope = values.scope ?? 'read';
          if (!values.name || !isRole(scope))
            throw new UsageError('usage: kindling-hub token create --name N [--scope read|write|admin]');
          const t = await client.createToken(values.name, scope);
          out(`${t.token}\n(id ${t.id}, scope ${t.scope}; the token is shown only once)`, t);
        } else if (sub === 'list') {
          const ts = await client.listTokens();
          out(
            ts
              .map(
                (t) => `${t.id}\t${t.scope}\t${t.name}\t${t.revokedAt ? `revoked ${t.revokedAt}` : 'active'}`,
              )
              .join('\n'),
            ts,
          );
        } else if (sub === 'revoke') {
          const [id] = need(args, 1, 'token revoke <id>');
          out(`revoked ${id}`, await client.revokeToken(id));
        } else throw new UsageError('usage: kindling-hub token create|list|revoke');
        return 0;
      }
      case 'user': {
        const [sub, ...args] = rest;
        if (sub !== 'create') throw new UsageError('usage: kindling-hub user create <name> [--admin]');
        const [name] = need(args, 1, 'user create <name> [--admin]');
        const u = await client.createUser(name, { isAdmin: values.admin ?? false });
        out(`${u.token}\n(token of ${u.name}, admin scope; shown only once)`, u);
        return 0;
      }
      case 'org': {
        const [sub, ...args] = rest;
        if (sub === 'create') {
          const [org] = need(args, 1, 'org create <org>');
          out(`created organisation ${org}`, await client.createOrg(org));
        } else if (sub === 'member') {
          const [org, user, role] = need(args, 3, 'org member <org> <user> <read|write|admin|none>');
          out(`${user} in ${org}: ${role}`, await client.setOrgMember(org, user, roleOrNone(role)));
        } else throw new UsageError('usage: kindling-hub org create|member');
        return 0;
      }
      case 'team': {
        const [sub, ...args] = rest;
        if (sub === 'create') {
          const [org, team] = need(args, 2, 'team create <org> <team>');
          out(`created team ${org}/${team}`, await client.createTeam(org, team));
        } else if (sub === 'add') {
          const [org, team, user] = need(args, 3, 'team add <org> <team> <user>');
          out(`added ${user} to ${org}/${team}`, await client.setTeamMember(org, team, user));
        } else if (sub === 'grant') {
          const [org, team, repo, role] = need(
            args,
            4,
            'team grant <org> <team> <repo> <read|write|admin|none>',
          );
          out(
            `${org}/${team} on ${org}/${repo}: ${role}`,
            await client.setTeamRepo(org, team, repo, roleOrNone(role)),
          );
        } else throw new UsageError('usage: kindling-hub team create|add|grant');
        return 0;
      }
      case 'repo': {
        const [sub, ...args] = rest;
        if (sub === 'create') {
          const [repo] = need(args, 1, 'repo create <owner/name> [--private]');
          const r = await client.createRepo(repo, { private: values.private ?? false });
          out(`created ${r.id}${r.private ? ' (private)' : ''}`, r);
        } else if (sub === 'info') {
          const [repo] = need(args, 1, 'repo info <owner/name> [--revision R]');
          const info = await client.repoInfo(repo, { revision: values.revision });
          out(
            `${info.id}${info.private ? ' (private)' : ''}\ncommit: ${info.sha ?? '(empty)'}\ntags: ${info.tags.join(', ')}\nfiles: ${info.siblings.length}`,
            info,
          );
        } else if (sub === 'list') {
          const repos = await client.listRepos({ author: values.author });
          out(repos.map((r) => `${r.id}${r.private ? ' (private)' : ''}`).join('\n'), repos);
        } else throw new UsageError('usage: kindling-hub repo create|info|list');
        return 0;
      }
      case 'push': {
        const [dir, repo] = need(rest, 2, 'push <dir> <owner/name> [--branch B] [-m MSG] [--replace]');
        const r = await client.uploadFolder(repo, resolve(dir), {
          branch: values.branch,
          message: values.message ?? `Push ${dir}`,
          replace: values.replace ?? false,
        });
        out(
          r.created
            ? `pushed ${repo}@${r.branch}: ${r.commit}`
            : `nothing to commit; ${r.branch} is at ${r.commit}`,
          r,
        );
        return 0;
      }
      case 'pull': {
        const [repo] = need(rest, 1, 'pull <owner/name> [--revision R] [--dir OUT]');
        const snap = await client.snapshot(repo, { revision: values.revision });
        let dest = snap;
        if (values.dir) {
          dest = resolve(values.dir);
          mkdirSync(dest, { recursive: true });
          cpSync(snap, dest, { recursive: true, dereference: true });
        }
        out(dest, {
          repo,
          revision: values.revision ?? 'main',
          commit: snap.split(/[\\/]/).pop(),
          path: dest,
        });
        return 0;
      }
      case 'ls': {
        const [repo] = need(rest, 1, 'ls <owner/name> [--revision R]');
        const files = await client.listFiles(repo, { revision: values.revision });
        out(
          files.map((f) => `${String(f.size).padStart(12)}  ${f.sha256.slice(0, 12)}  ${f.path}`).join('\n'),
          files,
        );
        return 0;
      }
      case 'log': {
        const [repo] = need(rest, 1, 'log <owner/name> [--revision R] [--limit N]');
        const entries = await client.log(repo, {
          revision: values.revision,
          limit: values.limit ? Number(values.limit) : undefined,
        });
        out(
          entries
            .map((e) => `${e.id.slice(0, 12)}  ${e.date}  ${e.authors[0]?.user ?? ''}  ${e.title}`)
            .join('\n'),
          entries,
        );
        return 0;
      }
      case 'tag': {
        const [repo, tag] = need(rest, 2, 'tag <owner/name> <tag> [--revision R] [-m MSG]');
        const t = await client.tag(repo, tag, { revision: values.revision, message: values.message });
        out(`tagged ${repo}@${t.commit.slice(0, 12)} as ${t.tag}`, t);
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${cmd}'\n\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`${err.message}\n`);
      return 2;
    }
    if (err instanceof HubError) {
      io.stderr(`error: ${err.message} (${err.status} ${err.code})\n`);
      return 1;
    }
    io.stderr(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

async function serve(values: Values, io: CliIO): Promise<number> {
  const dataDir = resolve(values.data ?? io.env.KINDLING_HUB_DATA ?? 'hub-data');
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`invalid --port ${values.port}`);
  const env = io.env;
  const pgUrl = values.postgres ?? env.KINDLING_HUB_DATABASE_URL;
  const s3Endpoint = values['s3-endpoint'] ?? env.KINDLING_HUB_S3_ENDPOINT;
  let stores: { metadata: MetadataStore; blobs: BlobStore };
  let where: string;
  if (pgUrl || s3Endpoint) {
    const bucket = values['s3-bucket'] ?? env.KINDLING_HUB_S3_BUCKET;
    const accessKeyId = env.KINDLING_HUB_S3_ACCESS_KEY_ID;
    const secretAccessKey = env.KINDLING_HUB_S3_SECRET_ACCESS_KEY;
    if (!pgUrl || !s3Endpoint || !bucket || !accessKeyId || !secretAccessKey)
      throw new UsageError(
        'the scale-out configuration needs --postgres, --s3-endpoint, --s3-bucket and the environment variables KINDLING_HUB_S3_ACCESS_KEY_ID and KINDLING_HUB_S3_SECRET_ACCESS_KEY',
      );
    stores = await openScaleOutStores({
      postgres: { connectionString: pgUrl, schema: values['pg-schema'] ?? env.KINDLING_HUB_PG_SCHEMA },
      s3: {
        endpoint: s3Endpoint,
        bucket,
        prefix: values['s3-prefix'] ?? env.KINDLING_HUB_S3_PREFIX,
        region: values['s3-region'] ?? env.KINDLING_HUB_S3_REGION,
        accessKeyId,
        secretAccessKey,
      },
    });
    where = `PostgreSQL + S3 bucket ${bucket}`;
  } else {
    stores = openHubStores(dataDir);
    where = `data: ${dataDir}`;
  }
  const { metadata, blobs } = stores;
  const server = createHubServer({ metadata, blobs, log: (line) => io.stderr(`${line}\n`) });
  const adminToken = await bootstrapAdmin(metadata, {
    token: values['admin-token'] ?? io.env.KINDLING_HUB_ADMIN_TOKEN,
  });
  const url = await server.listen(port, values.host ?? '127.0.0.1');
  io.stdout(`kindling-hub ${VERSION} listening on ${url} (${where})\n`);
  if (adminToken && !values['admin-token'] && !io.env.KINDLING_HUB_ADMIN_TOKEN)
    io.stdout(`created site admin 'admin'; its token (shown once): ${adminToken}\n`);
  await new Promise<void>((resolveStop) => {
    if (io.signal?.aborted) return resolveStop();
    io.signal?.addEventListener('abort', () => resolveStop(), { once: true });
  });
  await server.close();
  return 0;
}
