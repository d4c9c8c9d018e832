"""The files in monitoring/: the Prometheus alert rules pass `promtool check rules` and their unit
tests (`promtool test rules`), every dashboard panel queries through the data source variable
with expressions promtool parses, and every metric name the dashboard and the rules use is
served by a real relay's /metrics."""
import copy
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import yaml

from relay_harness import Relay, free_port, tool
from relay_probes import SAMPLE, sample, scrape, wait_until

SOURCE_DIR = os.environ.get("KINESYSLOG_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MONITORING = os.path.join(SOURCE_DIR, "monitoring")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# Series Prometheus makes itself, not the relay.
PROMETHEUS_SERIES = {"up"}
# PromQL words that look like names: aggregations, keywords, literals.
PROMQL_WORDS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile",
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "inf", "nan", "atan2",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def promtool(*args):
    return subprocess.run([tool("promtool"), *args], capture_output=True, timeout=60, text=True)


def panels_of(dashboard):
    """Every panel, those nested in collapsed rows included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_expressions(dashboard):
    """PromQL of every panel target and of every query variable (the selector inside label_values)."""
    expressions = [target["expr"] for panel in panels_of(dashboard) for target in panel.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        match = re.fullmatch(r"label_values\((.*),\s*\w+\)", query.strip())
        expressions.append(match.group(1) if match else query)
    return expressions


def as_promql(expression):
    """A dashboard expression with Grafana's variables replaced, so that promtool can parse it."""
    expression = re.sub(r"\$__(rate_interval|interval|range)\b", "5m", expression)
    return re.sub(r"\$\{?\w+\}?", ".*", expression)  # $job, ${instance}: only used inside =~ matchers


def rule_expressions(rules_path):
    with open(rules_path) as rules:
        groups = yaml.safe_load(rules)["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def metric_names(expression):
    """Metric names an expression selects: identifiers left once strings, label matchers, ranges,
    grouping clauses, function calls and PromQL's own words are taken out."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expression)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.:])([A-Za-z_:][\w:]*)(\s*\()?", text):
        name, call = match.group(1), match.group(2)
        if call or name in PROMQL_WORDS:
            continue
        names.add(name)
    return names


def served_families(text):
    """({family: type} from the # TYPE lines, {names of the samples}) of a /metrics text."""
    types = {}
    samples = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line and not line.startswith("#"):
            match = SAMPLE.match(line)
            if match:
                samples.add(match.group(1))
    return types, samples


def unserved(names, text):
    """The names a relay's scrape `text` does not serve. A histogram is selected by its
    _bucket/_sum/_count series, never by the family's bare name."""
    types, samples = served_families(text)
    missing = []
    for name in sorted(names - PROMETHEUS_SERIES):
        if name in samples or types.get(name) in ("counter", "gauge", "untyped"):
            continue
        suffix = next((s for s in HISTOGRAM_SUFFIXES if name.endswith(s)), None)
        if suffix and types.get(name[: -len(suffix)]) == "histogram":
            continue
        missing.append(name)
    return missing


class AlertRules(unittest.TestCase):
    def test_rules_pass_promtool_check(self):
        checked = promtool("check", "rules", os.path.join(MONITORING, "alerts.yml"))
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_rules_pass_their_unit_tests(self):
        tested = promtool("test", "rules", os.path.join(MONITORING, "alerts_test.yml"))
        self.assertEqual(tested.returncode, 0, tested.stdout + tested.stderr)
        self.assertIn("SUCCESS", tested.stdout)

    def test_every_alert_has_a_unit_test_that_fires_and_one_that_does_not(self):
        with open(os.path.join(MONITORING, "alerts.yml")) as rules:
            alerts = {rule["alert"] for group in yaml.safe_load(rules)["groups"] for rule in group["rules"]}
        with open(os.path.join(MONITORING, "alerts_test.yml")) as tests:
            cases = [case for test in yaml.safe_load(tests)["tests"] for case in test.get("alert_rule_test", [])]
        firing = {case["alertname"] for case in cases if case.get("exp_alerts")}
        quiet = {case["alertname"] for case in cases if not case.get("exp_alerts")}
        self.assertEqual(alerts - firing, set(), "alerts without a firing case")
        self.assertEqual(alerts - quiet, set(), "alerts without a case where they stay quiet")

    def test_every_rule_has_a_duration_severity_and_annotations(self):
        with open(os.path.join(MONITORING, "alerts.yml")) as rules:
            for group in yaml.safe_load(rules)["groups"]:
                for rule in group["rules"]:
                    self.assertIn("for", rule, rule["alert"])
                    self.assertIn(rule["labels"]["severity"], ("warning", "critical"), rule["alert"])
                    self.assertTrue(rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"])


class Dashboard(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(MONITORING, "grafana-dashboard.json")) as source:
            self.dashboard = json.load(source)

    def test_panels_query_through_the_data_source_variable(self):
        variables = {variable["name"]: variable for variable in self.dashboard["templating"]["list"]}
        self.assertEqual(variables["datasource"]["type"], "datasource")
        self.assertEqual(variables["datasource"]["query"], "prometheus")
        self.assertIn("job", variables)
        self.assertIn("instance", variables)
        for variable in variables.values():
            if variable["type"] == "query":
                self.assertEqual(variable["datasource"], DATASOURCE, variable["name"])
        panels = list(panels_of(self.dashboard))
        self.assertGreater(len(panels), 10)
        for panel in panels:
            self.assertEqual(panel.get("datasource"), DATASOURCE, panel["title"])
            for target in panel.get("targets", []):
                self.assertEqual(target.get("datasource", DATASOURCE), DATASOURCE, panel["title"])
                self.assertRegex(target["expr"], r'job=~"\$job", instance=~"\$instance"', panel["title"])

    def test_every_expression_parses(self):
        self.assertEqual(check_expressions(dashboard_expressions(self.dashboard)), "")

    def test_a_broken_expression_is_caught(self):
        problems = check_expressions(["sum by (port) (rate(kinesyslog_message_count_total[5m])"])
        self.assertNotEqual(problems, "")


def check_expressions(expressions):
    """promtool's complaints ("" when none) about `expressions`, given to it as recording rules."""
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expression_{n}", "expr": as_promql(expression)} for n, expression in enumerate(expressions)]}]}
    work = tempfile.mkdtemp(prefix="kinesyslog-dashboard-")
    try:
        path = os.path.join(work, "dashboard_rules.yml")
        with open(path, "w") as out:
            yaml.safe_dump(rules, out)
        checked = promtool("check", "rules", path)
        return "" if checked.returncode == 0 else checked.stdout + checked.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


class MetricNamesAreServed(unittest.TestCase):
    """One relay with every kind of listener the dashboard shows (TCP, UDP, RELP) and a spool cap,
    after some traffic went through delivery, one failed delivery and one drop included."""

    @classmethod
    def setUpClass(cls):
        cls.metrics_port = free_port()
        relp_port = free_port()
        cls.relay = Relay("--prometheus-port", str(cls.metrics_port), "--relp-port", str(relp_port),
                          "--flush-age", "1", "--spool-max-bytes", str(64 << 20), "--max-message-size", "1024")
        cls.relay.start()
        try:
            # The first delivery fails, so kinesyslog_batch_record_failed has a series (prometheus-cpp
            # serves a labelled family only once it holds one): a file stands where the output
            # directory's year directory goes (docs/behaviour.md §5.7), refused even to root.
            this_year = time.gmtime().tm_year
            blockers = [os.path.join(cls.relay.output_dir, str(year)) for year in (this_year, this_year + 1)]
            for blocker in blockers:
                open(blocker, "w").close()
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                for i in range(20):
                    udp.sendto(f"<13>1 2026-11-30T10:00:00Z host app - - - monitoring udp {i}".encode(),
                               ("127.0.0.1", cls.relay.port))
            with socket.create_connection(("127.0.0.1", cls.relay.port), timeout=5) as tcp:
                tcp.sendall(b"".join(f"<13>1 2026-11-30T10:00:00Z host app - - - monitoring tcp {i}\n".encode()
                                     for i in range(20)))
                tcp.sendall(b"<13>1 2026-11-30T10:00:00Z host app - - - " + b"x" * 1500 + b"\n")  # truncated
            failed = wait_until(lambda: "\nkinesyslog_batch_record_failed{" in scrape(cls.metrics_port), timeout=30)
            for blocker in blockers:
                os.remove(blocker)
            if not failed:
                raise AssertionError(f"no failed delivery within 30 s:\n{cls.relay.read_log()}")
            cls.text = wait_until(lambda: cls.delivered(scrape(cls.metrics_port)), timeout=30)
            if not cls.text:
                raise AssertionError(f"nothing delivered within 30 s:\n{cls.relay.read_log()}")
        except BaseException:
            cls.relay.cleanup()
            raise

    @classmethod
    def delivered(cls, text):
        done = (sample(text, "kinesyslog_delivery_seconds_count", 'stream="kinesyslog"') >= 1
                and sample(text, "kinesyslog_dropped_messages_total", 'reason="truncated"') >= 1)
        return text if done else None

    @classmethod
    def tearDownClass(cls):
        cls.relay.cleanup()

    def used_names(self):
        with open(os.path.join(MONITORING, "grafana-dashboard.json")) as source:
            dashboard = json.load(source)
        expressions = dashboard_expressions(dashboard) + rule_expressions(os.path.join(MONITORING, "alerts.yml"))
        return set().union(*(metric_names(expression) for expression in expressions))

    def test_every_name_the_dashboard_and_the_rules_use_is_served(self):
        names = self.used_names()
        # The extraction itself works: the main families are among the names found.
        self.assertLessEqual({"kinesyslog_message_count_total", "kinesyslog_delivery_seconds_bucket",
                              "kinesyslog_spool_age", "kinesyslog_spool_max_bytes", "kinesyslog_healthy", "up"}, names)
        self.assertEqual(unserved(names, self.text), [], f"names used but not served; the scrape:\n{self.text}")

    def test_a_name_the_relay_does_not_serve_is_caught(self):
        names = self.used_names()
        for bogus in ("kinesyslog_bogus_total", "kinesyslog_delivery_seconds",  # a histogram's bare name
                      "kinesyslog_spool_count_bucket"):  # a gauge is not a histogram
            self.assertEqual(unserved(names | {bogus}, self.text), [bogus])
        with open(os.path.join(MONITORING, "grafana-dashboard.json")) as source:
            dashboard = json.load(source)
        changed = copy.deepcopy(dashboard)
        changed["panels"][-1]["targets"].append(
            {"datasource": DATASOURCE, "expr": 'rate(kinesyslog_bogus_total{job=~"$job"}[$__rate_interval])', "refId": "Z"})
        used = set().union(*(metric_names(expression) for expression in dashboard_expressions(changed)))
        self.assertEqual(unserved(used, self.text), ["kinesyslog_bogus_total"])


if __name__ == "__main__":
    unittest.main()
