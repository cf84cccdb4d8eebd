// One environment: links to its flags and segments, and its flagd integration (export, sync
// settings for in-process providers, import). The page follows the environment picker.
import { useEffect } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { PageHead } from '../components/PageHead.tsx';
import { useApp } from '../context.ts';
import { FlagdExport } from '../flagd/FlagdExport.tsx';
import { FlagdImport } from '../flagd/FlagdImport.tsx';
import { FlagdSync } from '../flagd/FlagdSync.tsx';
import { useTitle } from '../hooks.ts';

export function EnvironmentScreen() {
  const { params } = useRoute();
  const { route } = useLocation();
  const { environment, restricted, link } = useApp();
  useTitle(environment);

  // Another environment picked: show its page.
  useEffect(() => {
    if (params.environmentKey !== environment)
      route(link(`/environments/${encodeURIComponent(environment)}`), true);
  }, [params.environmentKey, environment, link, route]);

  return (
    <>
      {!restricted && (
        <nav aria-label="Breadcrumb" class="breadcrumb">
          <a href={link('/environments')}>Environments</a>
          <span aria-hidden="true"> / </span>
          <span aria-current="page">{environment}</span>
        </nav>
      )}
      <PageHead title={environment} isKey>
        <a href={link('/flags')}>Flags</a> and <a href={link('/segments')}>segments</a> of this environment,
        and how flagd providers and documents reach it.
      </PageHead>
      <section aria-labelledby="flagd-title" class="flagd">
        <h2 id="flagd-title">flagd</h2>
        <p class="muted">
          OpenFeature's flagd providers (Node, Go, Java, Python, .NET…) evaluate this environment's flags in
          process, from the same flag-definition document flagd reads.
        </p>
        <FlagdExport key={`export-${environment}`} environment={environment} />
        <FlagdSync key={`sync-${environment}`} environment={environment} />
        <FlagdImport key={`import-${environment}`} environment={environment} />
      </section>
    </>
  );
}
