using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>What a decoder learned from a file header; mirrors <c>pf_image_info</c> (28 bytes, pinned by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct ImageInfo
{
    /// <summary>Width in pixels.</summary>
    public readonly int Width;

    /// <summary>Height in pixels.</summary>
    public readonly int Height;

    /// <summary>Samples per pixel: 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); 1 for palette indices.</summary>
    public readonly int Channels;

    /// <summary>The file's format.</summary>
    public readonly ImageFormat Format;

    private readonly int _wholeImage;

    /// <summary>Bits per sample: 8 or 16.</summary>
    public readonly int Bits;

    /// <summary>0, or the palette's entries: the rows then hold one index byte per pixel (<see cref="ImageDecoder.ReadPalette"/>).</summary>
    public readonly int PaletteEntries;

    /// <summary>
    /// True when the rows cannot be read in bands (an interlaced PNG: its last pass touches every row), so
    /// <see cref="ImageDecoder.ReadRows"/> must ask for all of them in one call.
    /// </summary>
    public bool RequiresWholeImage => _wholeImage != 0;

    /// <summary>Bytes per row of decoded pixels.</summary>
    public int RowBytes => Width * Channels * (Bits / 8);
}
