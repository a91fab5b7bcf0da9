// Deterministic number formatting for alert texts: no Intl, no locale of the machine that renders them
// (the same alert reads the same in a worker in Berlin and one in Ohio, and in workflow replays).
import { minorUnitDigits } from '../commerce/money';

function group(integer: string): string {
  return integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 123456 EUR minor → "EUR 1,234.56"; negative amounts get a leading minus. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  const major = Math.abs(minor) / 10 ** digits;
  const [int, frac] = major.toFixed(digits).split('.');
  return `${minor < 0 ? '-' : ''}${currency} ${group(int ?? '0')}${frac ? `.${frac}` : ''}`;
}

/** A share as a percentage: 0.2345 → "23.5%", 0.0012 → "0.12%" (two significant decimals below 1 %). */
export function formatPercent(share: number): string {
  const pct = share * 100;
  const abs = Math.abs(pct);
  const digits = abs !== 0 && abs < 1 ? 2 : 1;
  return `${pct.toFixed(digits)}%`;
}

/** A change as a signed percentage: 0.45 → "+45.0%", -0.3 → "-30.0%". */
export function formatChange(change: number): string {
  return `${change >= 0 ? '+' : ''}${formatPercent(change)}`;
}

/** Percentage points: 0.12 → "12.0 points". */
export function formatPoints(points: number): string {
  return `${(points * 100).toFixed(1)} points`;
}

export function formatCount(n: number): string {
  return group(String(Math.round(n)));
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
