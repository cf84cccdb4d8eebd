import type { ComponentChildren } from 'preact';

interface DataTableProps {
  /** Read by screen readers only. */
  caption: ComponentChildren;
  /** Column headings; null is a column of buttons, named "Actions" for screen readers. */
  columns: (string | null)[];
  /** What the rows are, for "Loading flags…". */
  what: string;
  loading: boolean;
  /** Said in a row of its own when there are no rows; nothing when there are. */
  empty?: string | false;
  /** The rows. */
  children: ComponentChildren;
}

/** A list screen's table: column headings, a row while loading or when empty, then the rows. */
export function DataTable({ caption, columns, what, loading, empty, children }: DataTableProps) {
  const notice = (text: string) => (
    <tr>
      <td colSpan={columns.length} class="empty">
        {text}
      </td>
    </tr>
  );
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, i) => (
              <th key={column ?? i} scope="col">
                {column ?? <span class="visually-hidden">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {loading && notice(`Loading ${what}…`)}
          {empty && notice(empty)}
          {children}
        </tbody>
      </table>
    </div>
  );
}
