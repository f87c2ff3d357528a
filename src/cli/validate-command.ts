/**
 * `healthplane validate -f PATH...`: every error and warning in the inputs, one line each
 * (`file:line: severity: Kind/ns/name path: message (Reason)`), then a count. Runs the same checks
 * as `translate` (read, parse, translate, the IR and the Envoy output) without printing resources.
 * Exit 1 on any error, 0 otherwise (warnings alone pass).
 */
import type { InputCommandOptions } from '../options';
import { countLine, formatProblem, sortProblems } from './format-problem';
import { translatePaths, type CliIo, type TranslateDeps } from './translate-command';

export async function runValidate(options: InputCommandOptions, io: CliIo, deps: TranslateDeps): Promise<number> {
  const { problems } = await translatePaths(options.paths, options.gatewayClass, deps);
  for (const p of sortProblems(problems)) io.stdout(`${formatProblem(p)}\n`);
  io.stdout(problems.length === 0 ? 'no problems found\n' : `${countLine(problems)}\n`);
  return problems.some((p) => p.severity === 'error') ? 1 : 0;
}
