import { useEffect, useState, type FormEvent } from "react";
import { environments, experiments, prompts } from "../api/endpoints";
import { useSession } from "../api/session";
import { ENVIRONMENTS, type Environment, type Experiment, type PromptDetail, type PromptVersion } from "../api/types";
import { DiffView } from "../components/DiffView";
import { ErrorBanner } from "../components/ErrorBanner";
import { Approvals } from "../components/flowops/Approvals";
import { Experiments } from "../components/flowops/Experiments";
import { PromotionHistory } from "../components/flowops/PromotionHistory";
import { SdkLine } from "../components/SdkLine";
import { fmtRelative, fmtTime } from "../lib/format";
import { Link } from "../lib/router";
import { errorText, useAsync } from "../lib/useAsync";

export function PromptDetailPage({ name }: { name: string }) {
  const { can } = useSession();
  const editable = can("prompts:write");
  const data = useAsync(async () => {
    const [prompt, versions, envs, exps] = await Promise.all([
      prompts.get(name), prompts.versions(name), environments.list(), experiments.list(name)]);
    const protectedEnvs = new Set(envs.environments.filter((e) => e.protected).map((e) => e.env));
    return { prompt, versions: versions.versions, protectedEnvs, experiments: exps.experiments };
  }, [name]);
  const [notice, setNotice] = useState("");
  const [actionError, setActionError] = useState("");
  const run = async (what: () => Promise<string>) => {
    setActionError("");
    setNotice("");
    try {
      setNotice(await what());
      data.reload();
    } catch (err) {
      setActionError(errorText(err));
    }
  };
  const d = data.data;
  return (
    <div className="page" data-testid="prompt-detail-page">
      <div className="crumbs"><Link to="/prompts">← Prompts</Link></div>
      <div className="page-head"><h1>{name}</h1>{d && <span className="muted">latest v{d.prompt.latestVersion}</span>}</div>
      {d?.prompt.description && <p className="muted">{d.prompt.description}</p>}
      <ErrorBanner error={data.error} onRetry={data.reload} />
      <ErrorBanner error={actionError} />
      {notice && <div className="notice ok" role="status" data-testid="notice">{notice}</div>}
      {data.loading && !d && <p className="muted">Loading the prompt…</p>}
      {d && (
        <>
          <Environments {...d} editable={editable} run={run} />
          <Approvals pending={d.prompt.requests.filter((r) => r.status === "pending")} run={run} />
          {editable && <Editor name={name} latest={d.versions[0]} run={run} />}
          <Experiments name={name} list={d.experiments} versions={d.versions} editable={editable} run={run} />
          <PromotionHistory promotions={d.prompt.promotions} requests={d.prompt.requests} />
          <History versions={d.versions} />
        </>
      )}
    </div>
  );
}

type Run = (what: () => Promise<string>) => Promise<void>;

interface EnvProps { prompt: PromptDetail; versions: PromptVersion[]; protectedEnvs: Set<Environment>; experiments: Experiment[]; editable: boolean; run: Run }

function Environments(props: EnvProps) {
  return (
    <div className="envs">
      {ENVIRONMENTS.map((env) => <EnvCard key={env} env={env} {...props} />)}
    </div>
  );
}

function EnvCard({ env, prompt, versions, protectedEnvs, experiments: exps, editable, run }: EnvProps & { env: Environment }) {
  const state = prompt.environments?.[env];
  const guarded = protectedEnvs.has(env);
  const waiting = prompt.requests.find((r) => r.env === env && r.status === "pending");
  const experiment = exps.find((e) => e.env === env && e.status === "running");
  const [pick, setPick] = useState(String(prompt.latestVersion));
  const [why, setWhy] = useState("");
  useEffect(() => setPick(String(prompt.latestVersion)), [prompt.latestVersion]);
  return (
    <div className="card env-card" data-testid={`env-${env}`}>
      <div className="env-name">{env}{guarded && <span className="lock on" data-testid={`env-${env}-protected`}>protected</span>}</div>
      <div className="env-serves">
        {state ? <>serves <b data-testid={`env-${env}-version`}>v{state.version}</b></> : <span className="muted" data-testid={`env-${env}-version`}>serves nothing</span>}
      </div>
      {state?.updatedAt && <div className="muted small-text">{fmtRelative(state.updatedAt)}{state.updatedBy ? ` by ${state.updatedBy}` : ""}</div>}
      {waiting && <div className="small-text" data-testid={`env-${env}-waiting`}><span className="status-pill pending">awaiting approval</span> v{waiting.version}</div>}
      {experiment && <div className="small-text"><span className="status-pill running">experiment</span> {experiment.variants.map((v) => `${v.label} v${v.version}`).join(" / ")}</div>}
      {editable && (
        <div className="env-actions">
          <select aria-label={`Version to promote to ${env}`} value={pick} onChange={(e) => setPick(e.target.value)}>
            {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
          </select>
          {guarded && <input name={`promote-comment-${env}`} aria-label={`Why promote to ${env}`} value={why}
            onChange={(e) => setWhy(e.target.value)} placeholder="why (for the approver)" />}
          <button className="primary small" onClick={() => void run(async () => {
            const r = await prompts.promote(prompt.name, Number(pick), env, why.trim() || undefined);
            setWhy("");
            if (r.request) {
              return `Promotion of v${r.version} to ${env} requested (#${r.request.id}): it is awaiting approval, and ${env} `
                + `${state ? `keeps serving v${state.version}` : "serves nothing"} until then.`;
            }
            return `${env} now serves v${r.version}.`;
          })}>Promote to {env}</button>
          {state && (
            <button className="small" onClick={() => void run(async () => {
              const r = await prompts.rollback(prompt.name, env);
              return `${env} rolled back: it serves v${r.version} again.`;
            })}>Roll back</button>
          )}
        </div>
      )}
      <SdkLine name={prompt.name} env={env} />
    </div>
  );
}

function Editor({ name, latest, run }: { name: string; latest: PromptVersion | undefined; run: Run }) {
  const [open, setOpen] = useState(false);
  const [content, setContent] = useState("");
  const [message, setMessage] = useState("");
  if (!open) {
    return (
      <div className="editor-closed">
        <button onClick={() => { setContent(latest?.content ?? ""); setMessage(""); setOpen(true); }}>Edit (saves a new version)</button>
      </div>
    );
  }
  const save = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const v = await prompts.addVersion(name, content, message);
      setOpen(false);
      return `Saved as v${v.version}. Promote it to an environment to serve it.`;
    });
  };
  return (
    <form className="card form" onSubmit={save} aria-label="Edit prompt">
      <h3>New version of {name}</h3>
      <label>Content<textarea name="content" rows={10} value={content} onChange={(e) => setContent(e.target.value)} /></label>
      <label>What changed<input name="message" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="optional note" /></label>
      <div className="actions">
        <button type="submit" className="primary" disabled={content === (latest?.content ?? "")}>Save new version</button>
        <button type="button" onClick={() => setOpen(false)}>Cancel</button>
        {content === (latest?.content ?? "") && <span className="muted small-text">Change the content to save a version.</span>}
      </div>
    </form>
  );
}

function History({ versions }: { versions: PromptVersion[] }) {
  const newest = versions[0]?.version ?? 1;
  // A choice holds for the versions it was made on; a new version compares itself with the one
  // before it, in the same render (an effect would first show one render of a stale diff).
  const [choice, setChoice] = useState<{ newest: number; a: string; b: string } | null>(null);
  const { a, b } = choice && choice.newest === newest ? choice : { a: String(Math.max(1, newest - 1)), b: String(newest) };
  const setA = (v: string) => setChoice({ newest, a: v, b });
  const setB = (v: string) => setChoice({ newest, a, b: v });
  const va = versions.find((v) => String(v.version) === a);
  const vb = versions.find((v) => String(v.version) === b);
  const [shown, setShown] = useState<number | null>(null);
  return (
    <div className="card">
      <h3>Version history</h3>
      <table className="versions" data-testid="versions">
        <thead><tr><th>Version</th><th>What changed</th><th>By</th><th>When</th><th /></tr></thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td>{v.message || <span className="muted">–</span>}</td>
              <td>{v.createdBy ?? "–"}</td>
              <td title={fmtTime(v.createdAt)}>{fmtRelative(v.createdAt)}</td>
              <td><button className="link" onClick={() => setShown(shown === v.version ? null : v.version)}>{shown === v.version ? "Hide" : "Show"}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown !== null && <pre className="version-content" data-testid="version-content">{versions.find((v) => v.version === shown)?.content}</pre>}
      {versions.length > 1 && (
        <>
          <h4>Compare versions</h4>
          <div className="compare">
            <select aria-label="Compare from" value={a} onChange={(e) => setA(e.target.value)}>
              {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
            </select>
            <span>→</span>
            <select aria-label="Compare to" value={b} onChange={(e) => setB(e.target.value)}>
              {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
            </select>
          </div>
          {va && vb && <DiffView before={va.content} after={vb.content} />}
        </>
      )}
    </div>
  );
}
