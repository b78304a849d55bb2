/**
 * Release resolution: `SENTRY_RELEASE` wins; otherwise `<service>@<version>`
 * with the version from the service's own package.json. No version means no
 * release at all: a placeholder such as `unknown` would merge unrelated
 * deployments into one release in Sentry.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { releaseProblem } from '../preload/config.js';

export interface ReleaseInput {
  readonly explicit: string | undefined;
  readonly serviceName: string;
  /** The entry script (`process.argv[1]`), if any. */
  readonly entry: string | undefined;
  readonly cwd: string;
}

export interface Release {
  readonly release: string | undefined;
  /** The service version (`service.version`), when known. */
  readonly version: string | undefined;
  /** Where it came from, for the startup line and the doctor. */
  readonly source: string;
  /** Why a derived release was dropped (Sentry would reject it, e.g. a "/" in the service name). */
  readonly problem?: string;
}

export type ReadText = (path: string) => string | undefined;

/** Why there is no release when none was found; the preload's startup line and the doctor say the same. */
export const NO_RELEASE_REASON =
  'no version found in a package.json above the entry script or in the working directory; set SENTRY_RELEASE to tag events';

/** The warning for a derived release Sentry would reject (`Release.problem`). */
export function releaseWarning(problem: string): string {
  return `the derived release ${problem}; sending no release (set SENTRY_RELEASE or change OTEL_SERVICE_NAME)`;
}

const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

export function resolveRelease(input: ReleaseInput, read: ReadText = readText): Release {
  if (input.explicit !== undefined) {
    // readConfig has already checked SENTRY_RELEASE.
    const at = input.explicit.lastIndexOf('@');
    const version = at > 0 && at < input.explicit.length - 1 ? input.explicit.slice(at + 1) : undefined;
    return { release: input.explicit, version, source: 'SENTRY_RELEASE' };
  }
  const found =
    (input.entry ? findVersion(dirname(resolve(input.cwd, input.entry)), read) : undefined) ??
    atPath(join(input.cwd, 'package.json'), read);
  if (!found) return { release: undefined, version: undefined, source: 'none' };
  const release = `${input.serviceName}@${found.version}`;
  const problem = releaseProblem(release);
  return problem === undefined
    ? { release, version: found.version, source: found.path }
    : { release: undefined, version: found.version, source: found.path, problem: `${JSON.stringify(release)} ${problem}` };
}

function atPath(path: string, read: ReadText): { version: string; path: string } | undefined {
  const version = versionAt(path, read);
  return version ? { version, path } : undefined;
}

/** Walks up from `dir` to the nearest package.json that has a version. */
function findVersion(dir: string, read: ReadText): { version: string; path: string } | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const found = atPath(join(current, 'package.json'), read);
    if (found) return found;
    if (dirname(current) === current) return undefined;
  }
}

function versionAt(path: string, read: ReadText): string | undefined {
  const text = read(path);
  if (text === undefined) return undefined;
  try {
    const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' && version.trim() ? version.trim() : undefined;
  } catch {
    return undefined;
  }
}
