namespace ProcessFarm.Shared.Native;

/// <summary>Image file formats; values match <c>pf_format</c> in processfarm.h.</summary>
public enum ImageFormat
{
    /// <summary>Not recognised.</summary>
    Unknown = 0,

    /// <summary>JPEG (libjpeg-turbo).</summary>
    Jpeg = 1,

    /// <summary>PNG (libpng).</summary>
    Png = 2,
}
