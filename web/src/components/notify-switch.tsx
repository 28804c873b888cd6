/** The opt-in for browser notifications (asks the browser's permission on the click). */
import { useState } from 'react';
import { notificationsOn, notificationsSupported, setNotifications } from '../lib/notifications.js';

export function NotifySwitch() {
  const [on, setOn] = useState(notificationsOn);
  if (!notificationsSupported()) return null;
  return (
    <button
      type="button"
      className="notify"
      aria-pressed={on}
      title={on ? 'Notifications on: click to turn off' : 'Notify me when an instance ends or asks'}
      onClick={() => void setNotifications(!on).then(setOn)}
    >
      {on ? 'Notifications on' : 'Notify me'}
    </button>
  );
}
