import { createHash } from 'node:crypto';
import { ExitCode, StreamstressError } from '../errors.js';
import type { Comparison } from '../results/compare.js';
import { COMMENT_LIMIT, escapeMarkdown, markdownLink, renderSummary } from '../results/markdown.js';
import { isFailing, type Results } from '../results/model.js';

export const COMMENT_MODES = ['always', 'changes', 'failures', 'off'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

export function parseCommentMode(text: string): CommentMode {
  const mode = COMMENT_MODES.find((m) => m === text.trim());
  if (mode) return mode;
  throw new StreamstressError(
    `comment is "${text}"; it must be one of ${COMMENT_MODES.join(', ')}.`,
    { exitCode: ExitCode.infrastructure },
  );
}

/**
 * Whether the pull request gets the comment: `always`; `failures` when a test failed or a
 * stage failed; `changes` when the run differs from the base branch's last published run (new
 * failures, fixes), a stage failed, or there is no run to compare with; never with `off`. A comment the
 * workflow already left is always brought up to date, so it never shows a stale result.
 */
export function shouldComment(
  mode: CommentMode,
  results: Results,
  comparison: Comparison | undefined,
  options: { commented: boolean },
): boolean {
  if (mode === 'off') return false;
  if (mode === 'always' || options.commented) return true;
  const broken = results.exitCode >= 2;
  if (mode === 'failures') return broken || results.tests.some(isFailing);
  return !comparison || comparison.newFailures.length + comparison.fixed.length > 0 || broken;
}

/** The hidden marker that finds this workflow's comment again (a name cannot break out of it). */
export function commentMarker(workflow: string): string {
  return `<!-- streamstress-comment ${createHash('sha256').update(workflow).digest('hex').slice(0, 16)} -->`;
}

/** The comment: the results summary, the comparison with the base run, links to the dashboard. */
export function commentBody(
  marker: string,
  results: Results,
  options: { comparison?: Comparison; baseLabel?: string; runUrl?: string; dashboardUrl?: string },
): string {
  const links = [
    markdownLink('this run on the dashboard', options.runUrl),
    markdownLink('the dashboard', options.dashboardUrl),
    markdownLink('the workflow run', results.run.trigger?.url),
  ].filter(Boolean);
  const footer = [
    options.comparison
      ? `Compared with the base branch's last published run${options.baseLabel ? `, ${escapeMarkdown(options.baseLabel)}` : ''}.`
      : 'No published run of the base branch to compare with yet.',
    links.length > 0 ? `See ${links.join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const summary = renderSummary(results, {
    ...(options.comparison ? { comparison: options.comparison } : {}),
    ...(options.runUrl ? { detailsUrl: options.runUrl } : {}),
    limit: COMMENT_LIMIT - marker.length - footer.length - 4,
  });
  return `${marker}\n${summary}\n${footer}\n`;
}
