namespace ProcessFarm.Shared.Native;

/// <summary>Status codes of the native library; values match <c>pf_status</c> in processfarm.h.</summary>
public enum NativeStatus
{
    /// <summary>The call succeeded.</summary>
    Ok = 0,

    /// <summary>A bad argument or a call out of order: a bug on the managed side.</summary>
    Argument = 1,

    /// <summary>A native allocation failed.</summary>
    NoMemory = 2,

    /// <summary>Not a JPEG or PNG file, or a corrupt or truncated one.</summary>
    Format = 3,

    /// <summary>A valid file or request this build does not handle (CMYK JPEG, a missing CPU feature).</summary>
    Unsupported = 4,

    /// <summary>The image declares more pixels than the configured limit.</summary>
    TooLarge = 5,
}
