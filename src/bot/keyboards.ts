import { Keyboard } from 'grammy';
import type { BaseContext } from './context.js';

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
