// Writes a synthetic Gauge xml-report of `tests` test cases (100 per spec, one in ten failing
// with a message and a stack), shaped like release-tests' own reports.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export async function writeXmlReport(file, tests, { messageBytes = 120 } = {}) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('<testsuites>\n');
  const perSpec = 100;
  for (let spec = 0; spec * perSpec < tests; spec++) {
    const count = Math.min(perSpec, tests - spec * perSpec);
    await write(
      `\t<testsuite id="${spec + 1}" tests="${count}" failures="${Math.floor(count / 10)}" package="/home/runner/release-tests/specs/area${spec % 10}/spec-${spec}.spec" time="${count}" timestamp="2026-11-30T02:00:00" name="Spec ${spec}" errors="0" hostname="runner">\n\t\t<properties></properties>\n`,
    );
    for (let i = 0; i < count; i++) {
      const name = `Scenario ${i} of spec ${spec}: create &amp; verify &#34;pipelinerun-${i}&#34;`;
      if (i % 10 === 9) {
        const message = `Verify pipelinerun &#34;run-${i}&#34; is &#34;Succeeded&#34;&#xA;Step Execution Failure: &#39;${i % 20 === 19 ? 'secret not found' : 'x'.repeat(messageBytes)}&#39;`;
        await write(
          `\t\t<testcase classname="Spec ${spec}" name="${name}" time="1.000">\n\t\t\t<failure message="${message}" type="${message}">github.com/openshift-pipelines/release-tests/pkg/assert.Status()&#xA;&#x9;/release-tests/pkg/assert/status.go:42&#xA;</failure>\n\t\t</testcase>\n`,
        );
      } else {
        await write(
          `\t\t<testcase classname="Spec ${spec}" name="${name}" time="1.000"></testcase>\n`,
        );
      }
    }
    await write('\t\t<system-out></system-out>\n\t\t<system-err></system-err>\n\t</testsuite>\n');
  }
  await write('</testsuites>\n');
  out.end();
  await once(out, 'finish');
}
