namespace ProcessFarm.Shared.Workloads;

/// <summary>The CPU-bound demo of the article: fib(n) by naive recursion, deliberately exponential.</summary>
public static class Fibonacci
{
    /// <summary>The largest n whose fib fits a long.</summary>
    public const int MaxN = 92;

    /// <summary>fib(n) by naive recursion: about 1.6^n calls, so n = 35 keeps one core busy for a while.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n is negative or above <see cref="MaxN"/>.</exception>
    public static long Compute(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxN);
        return Recurse(n);
    }

    // Fully optimised from the first call: a CPU benchmark must not spend its first 100 ms in tier-0 code.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long Recurse(int n) => n < 2 ? n : Recurse(n - 1) + Recurse(n - 2);
}
