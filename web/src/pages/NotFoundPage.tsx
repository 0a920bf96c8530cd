import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <div className="panel notice">
      <h1>Page not found</h1>
      <p>
        Nothing lives here. Go to the <Link to="/">overview</Link>.
      </p>
    </div>
  );
}
