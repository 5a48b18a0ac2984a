from grokrewarm.cli import main

main()
