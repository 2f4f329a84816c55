import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ExitCode, StreamstressError } from '../errors.js';
import { numberRepeats, relativeSpecFile, testId, type TestResult } from './model.js';

type Attrs = Record<string, unknown>;
interface XmlOutcome extends Attrs {
  '#text'?: string;
  '#cdata'?: string | string[];
  message?: string;
}
interface XmlTestCase extends Attrs {
  failure?: XmlOutcome[];
  error?: XmlOutcome[];
  skipped?: XmlOutcome[];
}
interface XmlSuite extends Attrs {
  testsuite?: XmlSuite[];
  testcase?: XmlTestCase[];
  'system-err'?: string[];
}

const REPEATED = new Set([
  'testsuites',
  'testsuite',
  'testcase',
  'failure',
  'error',
  'skipped',
  'system-err',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded only in the few strings kept (decodeXml), which is measurably faster
  // on large reports than decoding every attribute and text node.
  processEntities: false,
  // CDATA is literal text: kept apart so that it is not entity-decoded.
  cdataPropName: '#cdata',
  isArray: (name) => REPEATED.has(name),
});

// Gauge's xml-report appends the data-table row to a table-driven scenario's name: `SpecRow`
// for a spec's table, `ScnRow` for a scenario's own.
const SPEC_ROW = / \| (?:Spec|Scn)Row: .*$/s;

/**
 * Reads Gauge's xml-report result.xml and JUnit files of other runners: `<testsuites>` or a
 * `<testsuite>` root, nested suites, `<failure>`, `<error>` and `<skipped>`. `file` names the
 * report in every error.
 */
export function parseJUnitXml(text: string, file: string): TestResult[] {
  if (/<!DOCTYPE|<!ENTITY/i.test(text.slice(0, 4096)) || /<!ENTITY/i.test(text)) {
    throw unreadable(
      file,
      'it declares a DOCTYPE or entities, which test reports never need (refused: entity expansion can exhaust memory)',
    );
  }
  if (text.trim() === '') throw unreadable(file, 'it is empty');
  const validation = XMLValidator.validate(text);
  if (validation !== true) throw unreadable(file, describeInvalid(text, validation.err));
  const document = parser.parse(text) as { testsuites?: XmlSuite[]; testsuite?: XmlSuite[] };
  const roots =
    document.testsuites ?? (document.testsuite ? [{ testsuite: document.testsuite }] : undefined);
  if (!roots) throw unreadable(file, 'its root element is neither <testsuites> nor <testsuite>');
  const tests: TestResult[] = [];
  for (const root of roots) for (const suite of root.testsuite ?? []) collectSuite(suite, tests);
  return numberRepeats(tests);
}

function collectSuite(suite: XmlSuite, tests: TestResult[]): void {
  for (const nested of suite.testsuite ?? []) collectSuite(nested, tests);
  const suiteName = attr(suite, 'name') ?? '(unnamed suite)';
  const suiteFile = attr(suite, 'package') ?? attr(suite, 'file');
  const cases = suite.testcase ?? [];
  for (const testCase of cases) {
    const spec = attr(testCase, 'classname') ?? suiteName;
    const file = attr(testCase, 'file') ?? suiteFile;
    const specFile = file === undefined ? undefined : relativeSpecFile(file);
    const scenario = (attr(testCase, 'name') ?? '(unnamed test)').replace(SPEC_ROW, '');
    tests.push({
      id: testId(specFile ?? spec, scenario),
      spec,
      ...(specFile === undefined ? {} : { specFile }),
      scenario,
      ...outcome(testCase),
      ...duration(attr(testCase, 'time')),
    });
  }
  // A failing spec hook fails the suite without a failing testcase: keep it visible.
  const failing = cases.filter((c) => c.failure || c.error).length;
  const declared = count(attr(suite, 'failures')) + count(attr(suite, 'errors'));
  if (declared > failing && !(suite.testsuite?.length ?? 0)) {
    const specFile = suiteFile === undefined ? undefined : relativeSpecFile(suiteFile);
    const message = decodeXml(suite['system-err']?.join('\n').trim() ?? '');
    tests.push({
      id: testId(specFile ?? suiteName, '(spec hook)'),
      spec: suiteName,
      ...(specFile === undefined ? {} : { specFile }),
      scenario: '(spec hook)',
      status: 'errored',
      message:
        message ||
        `The suite reports ${declared} failure(s) outside its test cases (a spec-level hook failed).`,
    });
  }
}

function outcome(testCase: XmlTestCase): Pick<TestResult, 'status' | 'message' | 'stack'> {
  const [element, status] = testCase.error
    ? [testCase.error[0], 'errored' as const]
    : testCase.failure
      ? [testCase.failure[0], 'failed' as const]
      : testCase.skipped
        ? [testCase.skipped[0], 'skipped' as const]
        : [undefined, 'passed' as const];
  if (!element) return { status };
  const body =
    typeof element === 'string'
      ? decodeXml(element)
      : decodeXml(element['#text'] ?? '') + [element['#cdata'] ?? []].flat().join('');
  const message =
    (typeof element === 'object' ? attr(element, 'message') : undefined) ??
    body.trim().split('\n')[0];
  const stack = body.trim();
  return {
    status,
    ...(message ? { message } : {}),
    ...(stack && stack !== message ? { stack } : {}),
  };
}

function describeInvalid(
  text: string,
  err: { code: string; msg: string; line: number; col: number },
): string {
  // The validator reports unclosed elements as a JSON list of their names.
  const unclosed = err.code === 'InvalidXml' ? /Invalid '(\[.*\])' found/s.exec(err.msg) : null;
  if (unclosed) {
    const names = (JSON.parse(unclosed[1] ?? '[]') as string[]).map((n) => `<${n}>`).join(', ');
    return `it ends before ${names} ${names.includes(',') ? 'are' : 'is'} closed (is the file truncated?)`;
  }
  const unclosedTag = /^Unclosed tag '(.+)'\.$/.exec(err.msg);
  if (unclosedTag) return `it ends before <${unclosedTag[1]}> is closed (is the file truncated?)`;
  const lastLine = text.trimEnd().split('\n').length;
  const truncated = err.line >= lastLine ? ' (is the file truncated?)' : '';
  return `not well-formed XML at line ${err.line}, column ${err.col}: ${err.msg}${truncated}`;
}

function attr(node: Attrs, name: string): string | undefined {
  const value = node[name];
  return typeof value === 'string' ? decodeXml(value) : undefined;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML's five predefined entities and numeric character references (`&#34;`, `&#xA;`). */
export function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g,
    (whole, hex: string, dec: string, name: string) => {
      if (name) return PREDEFINED[name] ?? whole;
      const code = hex ? parseInt(hex, 16) : Number(dec);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
}

function count(value: string | undefined): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function duration(value: string | undefined): Pick<TestResult, 'durationSeconds'> {
  const seconds = Number(value);
  return value !== undefined && Number.isFinite(seconds) && seconds >= 0
    ? { durationSeconds: seconds }
    : {};
}

function unreadable(file: string, why: string): StreamstressError {
  return new StreamstressError(`Cannot read the test report ${file}: ${why}.`, {
    exitCode: ExitCode.infrastructure,
    hint: 'Check that the run finished writing it; remove it to fall back to the console log (logs/gauge-stdout.log).',
  });
}
