import bwipjs from 'bwip-js/node';
import { PNG } from 'pngjs';

/**
 * The loyalty card as one PNG: a QR code (for phones) and a Code 128 barcode with the number
 * printed under it (for reception scanners), side by side on white.
 */
export async function renderCardImage(number: string): Promise<Buffer> {
  const [qr, bar] = await Promise.all([
    bwipjs.toBuffer({
      bcid: 'qrcode',
      text: number,
      scale: 6,
      paddingwidth: 4,
      paddingheight: 4,
      backgroundcolor: 'FFFFFF',
    }),
    bwipjs.toBuffer({
      bcid: 'code128',
      text: number,
      scale: 4,
      height: 22,
      includetext: true,
      textxalign: 'center',
      paddingwidth: 8,
      paddingheight: 8,
      backgroundcolor: 'FFFFFF',
    }),
  ]);
  const left = PNG.sync.read(qr);
  const right = PNG.sync.read(bar);
  const margin = 32;
  const height = Math.max(left.height, right.height);
  const card = new PNG({
    width: left.width + right.width + margin * 3,
    height: height + margin * 2,
  });
  card.data.fill(255);
  const top = (h: number) => margin + Math.floor((height - h) / 2);
  PNG.bitblt(left, card, 0, 0, left.width, left.height, margin, top(left.height));
  PNG.bitblt(
    right,
    card,
    0,
    0,
    right.width,
    right.height,
    left.width + margin * 2,
    top(right.height),
  );
  return PNG.sync.write(card);
}
