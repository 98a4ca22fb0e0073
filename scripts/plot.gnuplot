# The null-call and batch charts, for machines with gnuplot but no matplotlib.
# `python3 plot.py RESULTS_DIR --gnuplot` writes the tables below to a
# temporary directory and runs:
#   gnuplot -e "data='TMPDIR'; out='RESULTS_DIR'; unit='TSC cycles'; series='A B'" \
#       scripts/plot.gnuplot
#   data/null.dat   "label median p99" per line, label = system-bench-path
#   data/batch.dat  "batch median p99" lines, one block per name in series
# It writes out/null-gnuplot.png and out/batch-gnuplot.png.

set terminal pngcairo size 1000,600 font ",10"
set grid ytics
set logscale y

set output out."/null-gnuplot.png"
set title "Null system call latency per entry path (median, whisker to p99)"
set ylabel unit." per call"
set style fill solid 0.6 border -1
set xtics rotate by -30 noenhanced
set key off
set offsets 0.5, 0.5, 0, 0
# Boxes from the bottom of the log axis; whiskers from median to p99.
plot data."/null.dat" using 0:2:2:3:(0.35):xtic(1) with boxerrorbars lc rgb "#4477aa"

set output out."/batch-gnuplot.png"
set title "Cost per call vs batch size"
set xlabel "calls per batch"
set ylabel unit." per call (median, whisker to p99)"
set offsets 0, 0, 0, 0
set logscale x 2
set xtics norotate
set key top right noenhanced
plot for [i=1:words(series)] data."/batch.dat" index i-1 using 1:2:2:3 \
	with yerrorlines title word(series, i)
