using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>What a decoder learned from a file header; mirrors <c>pf_image_info</c> (20 bytes, pinned by a test).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct ImageInfo
{
    /// <summary>Width in pixels.</summary>
    public readonly int Width;

    /// <summary>Height in pixels.</summary>
    public readonly int Height;

    /// <summary>Bytes per pixel: 1, 3 or 4.</summary>
    public readonly int Channels;

    /// <summary>The file's format.</summary>
    public readonly ImageFormat Format;

    private readonly int _wholeImage;

    /// <summary>
    /// True when the rows cannot be read in bands (an interlaced PNG: its last pass touches every row), so
    /// <see cref="ImageDecoder.ReadRows"/> must ask for all of them in one call.
    /// </summary>
    public bool RequiresWholeImage => _wholeImage != 0;
}
