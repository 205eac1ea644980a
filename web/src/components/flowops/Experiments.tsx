// A prompt's experiments: the running ones with their split and results, ending one (promoting the
// version kept), starting one, and those ended with the version each chose.
import { useState } from "react";
import { experiments } from "../../api/endpoints";
import type { Experiment, PromptVersion } from "../../api/types";
import { actorName } from "../../lib/actor";
import { fmtRelative, fmtTime } from "../../lib/format";
import { ExperimentResults } from "./ExperimentResults";
import { share } from "./share";
import { StartExperiment } from "./StartExperiment";

type Run = (what: () => Promise<string>) => Promise<void>;

export function Experiments({ name, list, versions, editable, run }: {
  name: string; list: Experiment[]; versions: PromptVersion[]; editable: boolean; run: Run;
}) {
  const [starting, setStarting] = useState(false);
  const [shown, setShown] = useState<number | null>(null);
  const running = list.filter((e) => e.status === "running");
  const ended = list.filter((e) => e.status === "ended");
  return (
    <div className="card" data-testid="experiments">
      <div className="card-head">
        <h3>Experiments</h3>
        {editable && !starting && versions.length > 1 && <button onClick={() => setStarting(true)}>Start an experiment</button>}
      </div>
      {list.length === 0 && !starting && (
        <p className="muted">An experiment splits one environment's fetches between versions by weight (sticky per user id)
          and compares the variants' traces: errors, latency, tokens, cost and scores.</p>
      )}
      {starting && <StartExperiment name={name} versions={versions} run={run} onCancel={() => setStarting(false)} />}
      {running.map((e) => <RunningExperiment key={e.id} experiment={e} editable={editable} run={run} />)}
      {ended.length > 0 && (
        <>
          <h4>Ended</h4>
          <table data-testid="ended-experiments">
            <thead><tr><th>Name</th><th>Environment</th><th>Variants</th><th>Chosen</th><th>Ended by</th><th>When</th><th /></tr></thead>
            <tbody>
              {ended.map((e) => (
                <tr key={e.id} data-experiment={e.id}>
                  <td>{e.name}</td>
                  <td>{e.env}</td>
                  <td>{e.variants.map((v) => `${v.label} v${v.version}`).join(", ")}</td>
                  <td data-testid="chosen-version">{e.chosenVersion === null ? "–" : `v${e.chosenVersion}`}</td>
                  <td>{actorName(e.endedBy)}</td>
                  <td title={fmtTime(e.endedAt)}>{fmtRelative(e.endedAt)}</td>
                  <td><button className="link" onClick={() => setShown(shown === e.id ? null : e.id)}>{shown === e.id ? "Hide results" : "Results"}</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          {ended.filter((e) => e.id === shown).map((e) => <ExperimentResults key={e.id} experiment={e} />)}
        </>
      )}
    </div>
  );
}

function RunningExperiment({ experiment: e, editable, run }: { experiment: Experiment; editable: boolean; run: Run }) {
  const total = e.variants.reduce((a, v) => a + v.weight, 0);
  const [keep, setKeep] = useState(String(e.variants[0]?.version ?? ""));
  const end = () => {
    if (!window.confirm(`End the experiment "${e.name}" and promote v${keep} to ${e.env}? Every fetch from ${e.env} then gets v${keep}.`)) return;
    void run(async () => {
      const done = await experiments.end(e, Number(keep));
      return `Experiment "${done.name}" ended: ${done.env} now serves v${done.chosenVersion}.`;
    });
  };
  return (
    <div className="experiment" data-testid="running-experiment" data-experiment={e.id} data-env={e.env}>
      <div className="experiment-head">
        <div>
          <b>{e.name}</b> <span className="status-pill running">running in {e.env}</span>
          <span className="muted small-text"> #{e.id}, started by {actorName(e.startedBy)} <span title={fmtTime(e.startedAt)}>{fmtRelative(e.startedAt)}</span></span>
        </div>
        {editable && (
          <div className="actions">
            <select aria-label="Version to keep" value={keep} onChange={(ev) => setKeep(ev.target.value)}>
              {e.variants.map((v) => <option key={v.label} value={v.version}>{v.label}: v{v.version}</option>)}
            </select>
            <button className="danger small" onClick={end}>End experiment</button>
          </div>
        )}
      </div>
      <div className="split" data-testid="experiment-split">
        {e.variants.map((v, i) => (
          <span key={v.label} className={`split-part c${i % 4}`} style={{ flexGrow: v.weight }} data-variant={v.label}>
            {v.label} · v{v.version} · {share(v.weight, total)}
          </span>
        ))}
      </div>
      <ExperimentResults experiment={e} />
    </div>
  );
}
