namespace ProcessFarm.Shared.Imaging;

/// <summary>How <see cref="ImageFile.Transform"/> reads and writes a file.</summary>
/// <param name="Quality">JPEG (and lossy WebP) quality, 1..100.</param>
/// <param name="MaxPixels">Images declaring more pixels are refused before any pixel memory is allocated.</param>
/// <param name="Codec">Which codec handles JPEG and PNG.</param>
public sealed record TransformOptions(int Quality = 90, long MaxPixels = ImageFile.DefaultMaxPixels, CodecChoice Codec = CodecChoice.Auto);
