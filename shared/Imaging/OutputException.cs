namespace ProcessFarm.Shared.Imaging;

/// <summary>An output file could not be written (as opposed to the input being unusable).</summary>
public sealed class OutputException(string message, Exception inner) : IOException(message, inner);
