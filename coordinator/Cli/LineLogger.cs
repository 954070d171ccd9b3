using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Writes each log event as one line, the message alone, to the command's error writer: the "[worker 3] ..." look
/// users read, with no category or level prefix. Information and above, Debug too with --verbose.
/// </summary>
internal sealed class LineLogger(TextWriter error, bool verbose) : ILogger
{
    /// <summary>The logger a command passes down to everything it runs.</summary>
    public static ILogger For(TextWriter error, bool verbose) => new LineLogger(error, verbose);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= (verbose ? LogLevel.Debug : LogLevel.Information) && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }
        string line = formatter(state, exception);
        lock (error)
        {
            error.WriteLine(line);
        }
    }
}
