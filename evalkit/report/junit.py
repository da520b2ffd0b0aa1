"""JUnit XML for the gate: one testcase per rule, <failure> with the numbers and the worst tasks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

# characters XML 1.0 cannot carry at all (ElementTree escapes <&> but writes these through)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(s: object) -> str:
    return _NOT_XML.sub("\ufffd", str(s))


def _num(v) -> str:
    return "n/a" if v is None else f"{v:.4g}"


def gate_junit(result) -> str:
    cases = list(result.outcomes)
    suites = ET.Element("testsuites", name="evalkit gate", tests=str(len(cases)),
                        failures=str(len(result.failed)), errors=str(len(result.errors)))
    suite = ET.SubElement(suites, "testsuite", name=_x(f"evalkit gate {result.baseline} -> {result.candidate}"),
                          tests=str(len(cases)), failures=str(len(result.failed)), errors=str(len(result.errors)),
                          skipped=str(sum(o.status == "skip" for o in cases)),
                          timestamp=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
    props = ET.SubElement(suite, "properties")
    for k, v in (("run", result.run_id), ("baseline", result.baseline), ("candidate", result.candidate),
                 ("rules", result.rules_source)):
        ET.SubElement(props, "property", name=k, value=_x(v))
    for o in cases:
        tc = ET.SubElement(suite, "testcase", classname=_x(f"evalkit.gate.{result.candidate}"), name=_x(o.name),
                           time="0")
        body = (f"rule: {o.describe_rule()}\nbaseline {result.baseline}: {_num(o.baseline)}\n"
                f"candidate {result.candidate}: {_num(o.candidate)}\ndelta: {_num(o.delta)}"
                f"  95% CI [{_num(o.ci_low)}, {_num(o.ci_high)}]  pairs: {o.n_pairs}\n")
        if o.worst_tasks:
            body += "worst tasks:\n" + "".join(
                f"  {w.get('suite', '')}/{w['task_id']}: {w['delta']:+.3f} over {w.get('n', '?')} samples\n"
                for w in o.worst_tasks[:5])
        if o.status == "fail":
            ET.SubElement(tc, "failure", message=_x(f"{o.name}: {o.message}"), type="regression").text = _x(body)
        elif o.status == "error":
            ET.SubElement(tc, "error", message=_x(f"{o.name}: {o.message}"), type="no-data").text = _x(body)
        elif o.status == "skip":
            ET.SubElement(tc, "skipped", message=_x(o.message))
        else:
            ET.SubElement(tc, "system-out").text = _x(f"{o.message}\n{body}")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
