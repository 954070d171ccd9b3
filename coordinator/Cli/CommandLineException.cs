namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// A mistake the user can fix. Its message is printed as it is, on one line, without a stack trace; anything
/// else that escapes a command is a bug.
/// </summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException(ExitCode exitCode, string message, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
    }

    /// <summary>The exit code this mistake maps to.</summary>
    public ExitCode ExitCode { get; }

    public static CommandLineException Usage(string message) => new(ExitCode.UsageError, message);

    public static CommandLineException Input(string message, Exception? inner = null) => new(ExitCode.InputError, message, inner);

    public static CommandLineException Environment(string message, Exception? inner = null) => new(ExitCode.EnvironmentError, message, inner);
}
