namespace ProcessFarm.Shared.SharedMemory;

/// <summary>The shared region cannot be created, opened or used; the message says what to do.</summary>
public sealed class SharedMemoryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SharedMemoryException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
