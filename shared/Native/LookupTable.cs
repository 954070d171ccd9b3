using System.Runtime.CompilerServices;
using ProcessFarm.Shared.Imaging;

namespace ProcessFarm.Shared.Native;

/// <summary>
/// The 256-entry exposure/gamma table built by the native kernel, and the ways to apply it. The arithmetic is
/// specified once, in native/include/processfarm.h (<c>pf_lut_build</c>).
/// </summary>
public sealed unsafe class LookupTable
{
    private static readonly LutKernel s_bestKernel = Interop.PfNative.KernelBest();

    private readonly byte[] _table;
    private ushort[]? _table16;

    private LookupTable(LutParameters parameters, byte[] table)
    {
        Parameters = parameters;
        _table = table;
    }

    /// <summary>The kernel <see cref="LutKernel.Auto"/> resolves to on this CPU (CPUID, read once).</summary>
    public static LutKernel BestKernel => s_bestKernel;

    /// <summary>The parameters the table was built from.</summary>
    public LutParameters Parameters { get; }

    /// <summary>The 256 output values, indexed by input value.</summary>
    public ReadOnlySpan<byte> Table => _table;

    /// <summary>Builds the table for the given parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The native kernel refused the parameters.</exception>
    public static LookupTable Create(LutParameters parameters)
    {
        var table = GC.AllocateArray<byte>(256, pinned: true);
        fixed (byte* lut = table)
        {
            var status = Interop.PfNative.LutBuild(parameters.Ev, parameters.Gamma, lut);
            if (status != NativeStatus.Ok)
            {
                throw new ArgumentOutOfRangeException(nameof(parameters), parameters, "ev and gamma must be finite and gamma > 0");
            }
        }
        return new LookupTable(parameters, table);
    }

    /// <summary>
    /// The 65,536 16-bit output values, indexed by input value: the same formula over 65,536 levels
    /// (<c>pf_lut16_build</c>). Built on first use (128 KB).
    /// </summary>
    public ReadOnlySpan<ushort> Table16 => EnsureTable16();

    /// <summary>Returns whether this CPU can run <paramref name="kernel"/>.</summary>
    public static bool IsSupported(LutKernel kernel) => Interop.PfNative.KernelSupported(kernel) != 0;

    /// <summary>Maps every byte of <paramref name="buffer"/> through the table, in place.</summary>
    public void ApplyInPlace(Span<byte> buffer, LutKernel kernel = LutKernel.Auto)
    {
        fixed (byte* lut = _table)
        fixed (byte* data = buffer)
        {
            ThrowIfFailed(Interop.PfNative.LutApply(ResolveKernel(kernel), lut, data, data, buffer.Length), kernel);
        }
    }

    /// <summary>Writes <c>table[source[i]]</c> to <c>destination[i]</c>.</summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> destination, LutKernel kernel = LutKernel.Auto)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        fixed (byte* lut = _table)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            ThrowIfFailed(Interop.PfNative.LutApply(ResolveKernel(kernel), lut, src, dst, source.Length), kernel);
        }
    }

    /// <summary>
    /// Applies the curve to whole pixels of <paramref name="layout"/>: every colour sample goes through the table
    /// (the 16-bit one for 16-bit samples), alpha (the last of 2 or 4 channels) is copied unchanged.
    /// <paramref name="source"/> may be <paramref name="destination"/> (in place) and must hold whole pixels.
    /// The kernel picks the 8-bit path; 16-bit samples have one scalar path.
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source, or the source ends inside a pixel.</exception>
    public void Apply(ReadOnlySpan<byte> source, Span<byte> destination, PixelLayout layout, LutKernel kernel = LutKernel.Auto)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("The destination is shorter than the source.", nameof(destination));
        }
        if (!layout.IsValid || source.Length % layout.BytesPerPixel != 0)
        {
            throw new ArgumentException($"{source.Length} bytes are not whole pixels of {layout}.", nameof(source));
        }
        if (layout.Bits == 16)
        {
            var table = EnsureTable16();
            fixed (ushort* lut = table)
            fixed (byte* src = source)
            fixed (byte* dst = destination)
            {
                ThrowIfFailed(Interop.PfNative.Lut16Apply(lut, (ushort*)src, (ushort*)dst, source.Length / 2, layout.Channels), kernel);
            }
            return;
        }
        fixed (byte* lut = _table)
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            ThrowIfFailed(Interop.PfNative.LutApplyPixels(ResolveKernel(kernel), lut, src, dst, source.Length, layout.Channels), kernel);
        }
    }

    /// <summary>Applies the curve to whole pixels of <paramref name="layout"/> in place (see <see cref="Apply(ReadOnlySpan{byte}, Span{byte}, PixelLayout, LutKernel)"/>).</summary>
    public void ApplyInPlace(Span<byte> pixels, PixelLayout layout, LutKernel kernel = LutKernel.Auto) => Apply(pixels, pixels, layout, kernel);

    private ushort[] EnsureTable16()
    {
        if (Volatile.Read(ref _table16) is { } built)
        {
            return built;
        }
        var table = GC.AllocateArray<ushort>(65536, pinned: true);
        fixed (ushort* lut = table)
        {
            ThrowIfFailed(Interop.PfNative.Lut16Build(Parameters.Ev, Parameters.Gamma, lut), LutKernel.Scalar);
        }
        return Interlocked.CompareExchange(ref _table16, table, null) ?? table; // the same table either way
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static LutKernel ResolveKernel(LutKernel kernel) => kernel == LutKernel.Auto ? s_bestKernel : kernel;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ThrowIfFailed(NativeStatus status, LutKernel kernel)
    {
        if (status != NativeStatus.Ok)
        {
            ThrowApplyFailed(status, kernel);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowApplyFailed(NativeStatus status, LutKernel kernel) =>
        throw (status == NativeStatus.Unsupported
            ? new PlatformNotSupportedException($"This CPU cannot run the {kernel} LUT kernel.")
            : new ArgumentException($"pf_lut_apply refused its arguments ({status})."));
}
