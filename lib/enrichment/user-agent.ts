// Browser, OS and device class from the User-Agent header, plus bot detection.
// ua-parser-js is pinned to v1 on purpose: v1 is MIT, v2 is AGPL.
import { LRUCache } from 'lru-cache';
import UAParser from 'ua-parser-js';
import { isbot } from 'isbot';
import { stripControlCharacters } from './privacy';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other';

export type Device = {
  browser?: string;
  /** Major version only: enough for reports, and less fingerprinting entropy than the full build. */
  browserVersion?: string;
  os?: string;
  /**
   * As the UA states it. Chromium freezes parts of its UA (Windows 11 says "Windows NT 10.0",
   * Android says "10", macOS stays "10.15.7"), so treat this as a lower bound, not the truth.
   */
  osVersion?: string;
  deviceType: DeviceType;
};

/** ua-parser-js reads only the first 500 characters; isbot gets the same slice to bound its work. */
const MAX_UA_LENGTH = 500;

function cleanUserAgent(userAgent: string | undefined | null): string {
  return typeof userAgent === 'string' ? stripControlCharacters(userAgent).trim().slice(0, MAX_UA_LENGTH) : '';
}

/**
 * True for crawlers, monitors, headless browsers and scripts (isbot's list), and for an empty or
 * missing User-Agent: every real browser sends one, so its absence means a script or a proxy that
 * strips headers — neither is a visitor we want in marketing numbers.
 */
export function isBot(userAgent: string | undefined | null): boolean {
  // One judgement, made (and memoised) by parseUserAgent, so the big isbot regex runs once per agent.
  return parseUserAgent(userAgent).deviceType === 'bot';
}

// Parsing costs ~35 µs and a storefront sees few distinct user agents, so results are memoised (the
// returned objects are shared: treat them as read-only).
const parsedUserAgents = new LRUCache<string, Device>({ max: 5000 });

export function parseUserAgent(userAgent: string | undefined | null): Device {
  const ua = cleanUserAgent(userAgent);
  const cached = parsedUserAgents.get(ua);
  if (cached) return cached;
  const device = parseUncached(ua);
  parsedUserAgents.set(ua, device);
  return device;
}

function parseUncached(ua: string): Device {
  const { browser, os, device } = new UAParser(ua).getResult();
  const result: Device = { deviceType: deviceTypeOf(ua, device.type, browser.name ?? os.name) };
  if (browser.name) result.browser = browser.name;
  if (browser.major) result.browserVersion = browser.major;
  if (os.name) result.os = os.name;
  if (os.version) result.osVersion = os.version;
  return result;
}

/**
 * ua-parser-js names mobile, tablet, console, smarttv, wearable, embedded and xr devices and leaves
 * the type empty for desktops. An empty type counts as desktop only when it recognised a browser or
 * OS; an unrecognised string is 'other'. iPads in desktop mode send a Mac UA and land in desktop:
 * no server-side parser can tell them apart.
 */
function deviceTypeOf(ua: string, type: string | undefined, recognised: string | undefined): DeviceType {
  if (ua === '' || isbot(ua)) return 'bot';
  if (type === 'mobile') return 'mobile';
  if (type === 'tablet') return 'tablet';
  if (type === undefined && recognised !== undefined) return 'desktop';
  return 'other';
}
