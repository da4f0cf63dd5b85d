/** Whether a download is a JPEG picture (its SOI marker), before it is handed to a flow. */
export function isJpeg(image: Buffer): boolean {
  return image.length > 3 && image[0] === 0xff && image[1] === 0xd8;
}
