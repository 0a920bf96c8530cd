import { DNS1123_LABEL_PATTERN, DNS1123_LABEL_TITLE } from '../lib/fluxIds';

/** A labelled input for an id or name that must be a DNS-1123 label (catalog ids, cluster names). */
export function DnsLabelField({
  label,
  value,
  onChange,
  placeholder,
  disabled = false,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder: string;
  disabled?: boolean;
}) {
  return (
    <label>
      {label}
      <input
        required
        autoComplete="off"
        value={value}
        disabled={disabled}
        pattern={DNS1123_LABEL_PATTERN}
        maxLength={63}
        title={DNS1123_LABEL_TITLE}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
