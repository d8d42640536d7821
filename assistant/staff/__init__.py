"""The regional support staff service: question log views, queue, verified answers, staff web app."""
