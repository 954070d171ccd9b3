namespace ProcessFarm.Shared.Imaging;

/// <summary>Which codec reads and writes JPEG and PNG (<c>--codec</c>); every other format is ImageSharp's.</summary>
public enum CodecChoice
{
    /// <summary>libjpeg-turbo and libpng, except for what only ImageSharp reads (CMYK/YCCK JPEG).</summary>
    Auto = 0,

    /// <summary>libjpeg-turbo and libpng only: a CMYK JPEG is refused.</summary>
    Native,

    /// <summary>ImageSharp for JPEG and PNG too: to compare the managed codec with the native one.</summary>
    ImageSharp,
}
