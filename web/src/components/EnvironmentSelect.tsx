import { useQuery } from '@tanstack/react-query';
import { paths } from '../api/endpoints';
import { apiQuery } from '../api/queries';
import type { EnvironmentList } from '../api/types';
import { ErrorPanel } from './ErrorPanel';
import { Loading } from './Loading';

/** The environments the server allows (GET /api/flux/environments), plus `value` if it is another. */
export function EnvironmentSelect({ value, onChange }: { value: string; onChange: (environment: string) => void }) {
  const environments = useQuery(apiQuery<EnvironmentList>(paths.fluxEnvironments));
  if (environments.error) {
    return <ErrorPanel error={environments.error} title="Cannot load environments" onRetry={() => void environments.refetch()} />;
  }
  if (!environments.data) return <Loading label="Loading environments…" />;
  const options = environments.data.items.includes(value) || value === '' ? environments.data.items : [value, ...environments.data.items];
  return (
    <select required value={value} onChange={(e) => onChange(e.target.value)}>
      {value === '' ? <option value="">choose…</option> : null}
      {options.map((env) => (
        <option key={env} value={env}>
          {env}
        </option>
      ))}
    </select>
  );
}
