using Microsoft.Extensions.Logging;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Writes each log event as one line, the message alone, to the command's error writer: the "[worker 3] ..." look
/// users read, with no category or level prefix. Information and above, Debug too with --verbose. Once the user
/// has interrupted the command (<paramref name="stopping"/>), workers disconnecting and dying are the expected end,
/// not failures: only --verbose shows them, and the command says "interrupted" once.
/// </summary>
internal sealed class LineLogger(TextWriter error, bool verbose, CancellationToken stopping) : ILogger
{
    /// <summary>The logger a command passes down to everything it runs.</summary>
    public static ILogger For(TextWriter error, bool verbose, CancellationToken stopping = default) => new LineLogger(error, verbose, stopping);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) =>
        logLevel != LogLevel.None && (verbose ? logLevel >= LogLevel.Debug : logLevel >= LogLevel.Information && !stopping.IsCancellationRequested);

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
