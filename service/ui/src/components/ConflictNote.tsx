interface ConflictNoteProps {
  id?: string;
  /** The field in words: "description", "default variant". */
  field: string;
  /** Their value, as shown to the person. */
  theirs: string;
  onTheirs: () => void;
  onMine: () => void;
}

/** Beside a field the person edited and someone else changed meanwhile: theirs, or mine. */
export function ConflictNote({ id, field, theirs, onTheirs, onMine }: ConflictNoteProps) {
  return (
    <div id={id} class="conflict-note">
      <p>
        Someone else changed the {field} meanwhile to <strong>{theirs}</strong>. Your edit is kept until you
        choose.
      </p>
      <span class="conflict-note-buttons">
        <button
          type="button"
          class="button button-small"
          aria-label={`Use theirs for the ${field}`}
          onClick={onTheirs}
        >
          Use theirs
        </button>
        <button
          type="button"
          class="button button-small"
          aria-label={`Keep mine for the ${field}`}
          onClick={onMine}
        >
          Keep mine
        </button>
      </span>
    </div>
  );
}
