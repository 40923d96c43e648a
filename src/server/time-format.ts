// Formats a wall-clock time the way Java's Date.toString() does in UTC
// ("Mon Nov 23 09:42:18 UTC 2026"), which the `dump` four-letter word prints. Plain
// arithmetic (Howard Hinnant's civil-from-days) so the server layer needs no Date object.
const days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

interface CivilTime {
  year: number;
  month: number;
  day: number;
  weekday: string;
  hour: number;
  minute: number;
  second: number;
}

function civilUtc(ms: number): CivilTime {
  const dayNumber = Math.floor(ms / 86400000);
  const secondsOfDay = Math.floor((ms - dayNumber * 86400000) / 1000);
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day,
    weekday: days[((dayNumber % 7) + 7) % 7],
    hour: Math.floor(secondsOfDay / 3600),
    minute: Math.floor((secondsOfDay % 3600) / 60),
    second: secondsOfDay % 60,
  };
}

export function formatJavaDateUtc(ms: number): string {
  const t = civilUtc(ms);
  return `${t.weekday} ${months[t.month - 1]} ${two(t.day)} ${two(t.hour)}:${two(t.minute)}:${two(t.second)} UTC ${t.year}`;
}

/** "2024-12-29 17:54 UTC": the build date in ZooKeeper's version line. */
export function formatBuildDateUtc(ms: number): string {
  const t = civilUtc(ms);
  return `${t.year}-${two(t.month)}-${two(t.day)} ${two(t.hour)}:${two(t.minute)} UTC`;
}
