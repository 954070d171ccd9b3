namespace ProcessFarm.Shared.Native;

/// <summary>
/// An image file that cannot be used: not a JPEG or PNG, corrupt, truncated, unsupported or too large. The
/// message is meant for the user as it is.
/// </summary>
public sealed class InvalidImageException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="status">The native status behind it.</param>
    /// <param name="message">What is wrong, for the user.</param>
    public InvalidImageException(NativeStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    /// <summary>The native status behind the failure.</summary>
    public NativeStatus Status { get; }
}
