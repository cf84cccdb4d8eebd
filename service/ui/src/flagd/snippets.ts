// The few lines that point a flagd in-process provider at this Flagstone, per language, with the
// option names of each provider's README (open-feature's js-, go-, java- and python-sdk-contrib).
// Strings are written as JSON string literals, which all four languages read the same way.

export interface SyncTarget {
  host: string;
  port: number;
  selector: string;
}

export const LANGUAGES = ['Node', 'Go', 'Java', 'Python'] as const;
export type Language = (typeof LANGUAGES)[number];

const q = JSON.stringify;

export function snippet(language: Language, { host, port, selector }: SyncTarget): string {
  switch (language) {
    case 'Node':
      return `import { OpenFeature } from '@openfeature/server-sdk';
import { FlagdProvider } from '@openfeature/flagd-provider';

await OpenFeature.setProviderAndWait(
  new FlagdProvider({
    resolverType: 'in-process',
    host: ${q(host)},
    port: ${port},
    selector: ${q(selector)},
  }),
);`;
    case 'Go':
      return `provider, err := flagd.NewProvider(
	flagd.WithInProcessResolver(),
	flagd.WithHost(${q(host)}),
	flagd.WithPort(${port}),
	flagd.WithSelector(${q(selector)}),
)
if err != nil {
	log.Fatal(err)
}
openfeature.SetProviderAndWait(provider)`;
    case 'Java':
      return `FlagdProvider provider = new FlagdProvider(
    FlagdOptions.builder()
        .resolverType(Config.Resolver.IN_PROCESS)
        .host(${q(host)})
        .port(${port})
        .selector(${q(selector)})
        .build());
OpenFeatureAPI.getInstance().setProviderAndWait(provider);`;
    case 'Python':
      return `from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

api.set_provider(
    FlagdProvider(
        resolver_type=ResolverType.IN_PROCESS,
        host=${q(host)},
        port=${port},
        selector=${q(selector)},
    )
)`;
  }
}
