import { useApp } from '../context.ts';
import { useTitle } from '../hooks.ts';

export function NotFoundScreen() {
  useTitle('Not found');
  const { link } = useApp();
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing at this address. Go to the <a href={link('/flags')}>flags</a>.
      </p>
    </>
  );
}
