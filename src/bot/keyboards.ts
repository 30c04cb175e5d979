import { Keyboard } from 'grammy';
import type { BaseContext } from './context.js';

/** The main menu's buttons; conversations let these through to the menu. */
export const MENU_KEYS = [
  'menu-book',
  'menu-visits',
  'menu-friends',
  'menu-card',
  'menu-profile',
  'menu-help',
] as const;

/** The client's main menu, a persistent reply keyboard. */
export function mainMenu(t: BaseContext['t']): Keyboard {
  return new Keyboard()
    .text(t('menu-book'))
    .text(t('menu-visits'))
    .row()
    .text(t('menu-friends'))
    .text(t('menu-card'))
    .row()
    .text(t('menu-profile'))
    .text(t('menu-help'))
    .resized()
    .persistent();
}
