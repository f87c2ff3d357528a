/**
 * Gateway API match precedence, as one sort key per route: Exact paths first (longest first),
 * then regular expressions, then prefixes (longest first); then method matches, more header
 * matches, more query matches; ties go to the oldest route, then namespace/name, then rule and
 * match order. Envoy tries routes in list order, so sorting by this key implements precedence.
 */
import type { Route, RouteMatch } from '../ir/types';

export interface Rank {
  readonly created: string;
  readonly key: string;
  readonly rule: number;
  readonly match: number;
}

export interface RankedRoute {
  readonly route: Route;
  readonly rank: Rank;
}

const PATH_ORDER = { Exact: 0, RegularExpression: 1, PathPrefix: 2 } as const;

export function compareRanked(a: RankedRoute, b: RankedRoute): number {
  return compareMatches(a.route.match, b.route.match) || compareRank(a.rank, b.rank);
}

function compareMatches(a: RouteMatch, b: RouteMatch): number {
  return (
    PATH_ORDER[a.path.type] - PATH_ORDER[b.path.type] ||
    b.path.value.length - a.path.value.length ||
    Number(b.method !== undefined) - Number(a.method !== undefined) ||
    b.headers.length - a.headers.length ||
    b.queryParams.length - a.queryParams.length
  );
}

function compareRank(a: Rank, b: Rank): number {
  return cmp(a.created, b.created) || cmp(a.key, b.key) || a.rule - b.rule || a.match - b.match;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
