import { server } from "../api/endpoints";
import { useSession } from "../api/session";
import { Link } from "../lib/router";
import { useAsync } from "../lib/useAsync";
import { CopyButton } from "./CopyButton";

/** What a project with no traces shows: this server's endpoint and a snippet that works. */
export function EmptyTraces() {
  const { can } = useSession();
  const info = useAsync(() => server.info(), []);
  const endpoint = info.data?.endpoint ?? window.location.origin;
  const snippet = [
    "pip install stacklens  # or: pip install sdk/python from this repository",
    "",
    "import stacklens",
    "",
    `stacklens.configure(api_key="sl-...", endpoint="${endpoint}")`,
    'stacklens.trace("document-summary", model="gpt-4o", provider="openai",',
    "                input_tokens=850, output_tokens=120, cost_usd=0.0012)",
    'with stacklens.start_trace("agent-run") as span:',
    '    span.add_tag("first-trace")',
    '    span.record_llm(model="gpt-4o", provider="openai", input_tokens=200, output_tokens=150,',
    '                    prompt="Say hello", completion="Hello!")',
  ].join("\n");
  return (
    <div className="empty" data-testid="empty-traces">
      <h2>No traces in this project yet</h2>
      <p>
        Send your first trace with the Python SDK. This server listens at <code data-testid="endpoint">{endpoint}</code>.
      </p>
      <ol>
        <li>
          {can("keys:manage") ? (
            <>Create an API key with the scope <code>traces:write</code> in <Link to="/settings/keys">Settings → API Keys</Link>.</>
          ) : (
            <>Ask a project admin for an API key with the scope <code>traces:write</code>.</>
          )}
        </li>
        <li>Put it in place of <code>sl-...</code> below and run the snippet.</li>
        <li>Your traces show here within a second.</li>
      </ol>
      <div className="snippet">
        <CopyButton text={snippet} />
        <pre data-testid="sdk-snippet">{snippet}</pre>
      </div>
    </div>
  );
}
